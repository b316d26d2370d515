/*
materialized: incremental
incremental_strategy: partition
partition_by: day
order_by: (day, stream, payee_user_key, currency)
time_column: occurred_at
description: >
  Creator revenue per day (metric M18): sponsorships, donations and subscription charges, per payee (the creator
  paid) and currency, in minor units (cents) and in USD through the fx_rates seed. A stream's day total is the sum
  of its rows; `subscription.started` amounts are not revenue (only charges are) and ad click spend is in
  mart_ads_daily. Incremental: a late payment recomputes its day.
grain: one row per UTC day, revenue stream, payee and currency
columns:
  "(day, stream, payee_user_key, currency)": { description: the row key, tests: [unique] }
  day: { description: the UTC day, tests: [not_null] }
  stream: { description: "sponsorship, donation or subscription (a subscription charge)", tests: [{ accepted_values: [sponsorship, donation, subscription] }] }
  payee_user_key: "the creator paid (dim_user's durable user_key; dim_user's array columns cannot be read through postgresql(), so names are joined downstream)"
  currency: the payment currency (ISO 4217)
  payments: { description: "M18: payments on the day", tests: [{ expression: payments > 0 }] }
  amount_minor: { description: "M18: revenue, the sum of the payments, in minor units (cents) of `currency`", tests: [{ expression: amount_minor >= 0 }] }
  amount_usd: "M18: revenue in USD: amount_minor / 100 / units_per_usd of the currency (fx_rates seed)"
*/
with payments as (
  select
    toDate(assumeNotNull(occurred_at)) as day,
    assumeNotNull(payment_type) as stream,
    assumeNotNull(payee_user_key) as payee_user_key,
    assumeNotNull(currency) as currency,
    toInt64(round(amount * 100)) as amount_minor
  from {{ ref('fact_payment') }}
  where {{ in_range('occurred_at') }}
),

per_payee as (
  select day, stream, payee_user_key, currency, count() as payments, sum(amount_minor) as amount_minor
  from payments
  group by day, stream, payee_user_key, currency
)

select
  p.day as day,
  p.stream as stream,
  p.payee_user_key as payee_user_key,
  p.currency as currency,
  p.payments as payments,
  p.amount_minor as amount_minor,
  toFloat64(p.amount_minor) / 100 / toFloat64(fx.units_per_usd) as amount_usd
from per_payee as p
left join {{ ref('fx_rates') }} as fx on fx.currency = p.currency
