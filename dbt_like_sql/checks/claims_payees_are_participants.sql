-- Benefit payments whose payee was never seen as a participant: the pseudonymised NIK is in no accepted membership
-- snapshot of any branch up to the end of the payment month (claims contract, a warning: the payments count). Per
-- branch and month, counts only: no participant key leaves the lake.
-- check: stg_claim_payments
-- severity: warn
select
    c.branch_code,
    c.payment_month,
    count(*) as payments,
    count(distinct c.participant_key) as payees,
    sum(c.amount_rupiah)::decimal(18, 0) as amount_rupiah
from stg_claim_payments as c
where not exists (
    select 1
    from stg_participant_snapshots as p
    where p.participant_key = c.participant_key and p.snapshot_date < c.payment_month + interval 1 month
)
group by c.branch_code, c.payment_month
order by c.branch_code, c.payment_month
