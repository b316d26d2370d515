-- landing.events.batch_id loses its foreign key: the check ran a lookup in etl.batches for every loaded row (a
-- per-row trigger), about a third of the load step's time. The load step is the only writer of landing.events and
-- writes the batch it holds locked, so the reference cannot dangle.
alter table landing.events drop constraint if exists events_batch_id_fkey;
