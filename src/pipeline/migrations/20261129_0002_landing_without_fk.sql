-- landing.events.batch_id loses its foreign key: the check ran a lookup in etl.batches for every loaded row (a
-- per-row trigger) inside the load's COPY. The load step is the only writer of landing.events and writes the batch it
-- holds locked, after the batch row exists, so the reference cannot dangle.
alter table landing.events drop constraint if exists events_batch_id_fkey;
