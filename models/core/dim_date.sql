/*
materialized: table
description: >
  The calendar: every UTC day from 2020-01-01 to 2035-12-31. Facts carry `date_key` (yyyymmdd) of their UTC day.
grain: one row per UTC calendar day
unique_key: date_key
tags: [dimension]
columns:
  date_key: { description: "surrogate key: yyyymmdd as an integer", tests: [unique, not_null] }
  date: { description: the day, tests: [unique, not_null] }
  iso_weekday: { description: 1 = Monday .. 7 = Sunday, tests: [{ accepted_values: [1, 2, 3, 4, 5, 6, 7] }] }
*/
with days as (
  select d::date as date
  from generate_series('2020-01-01'::date, '2035-12-31'::date, interval '1 day') as d
)

select
  (extract(year from date) * 10000 + extract(month from date) * 100 + extract(day from date))::integer as date_key,
  date,
  extract(year from date)::integer as year,
  extract(quarter from date)::integer as quarter,
  extract(month from date)::integer as month,
  to_char(date, 'Month') as month_name,
  extract(week from date)::integer as iso_week,
  extract(isodow from date)::integer as iso_weekday,
  trim(to_char(date, 'Day')) as weekday_name,
  extract(isodow from date) in (6, 7) as is_weekend,
  date_trunc('week', date)::date as week_start,
  date_trunc('month', date)::date as month_start
from days
