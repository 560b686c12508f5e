-- name: lock_answer_partitions
-- One process at a time creates or drops answer partitions. Creating one takes a moment's
-- exclusive lock on answer; waiting behind a long transaction for it would queue every team's
-- answer behind the wait, so it gives up after two seconds instead (the next sweep tries again).
select pg_advisory_xact_lock(7213), set_config('lock_timeout', '2s', true);

-- name: create_answer_partitions
-- This UTC month's answer partition and the next months_ahead months'; the names of those
-- created now (migration 0013 has create_answer_partition).
select name from (
    select create_answer_partition(month::date) as name
    from generate_series(date_trunc('month', now() at time zone 'UTC'),
                         date_trunc('month', now() at time zone 'UTC') + make_interval(months => %(months_ahead)s),
                         interval '1 month') as month
) as created
where name is not null;

-- name: answer_partitions
-- The month partitions, oldest first (their names say their month: answer_YYYY_MM).
select c.relname as name, to_date(substr(c.relname, 8), 'YYYY_MM') as month
from pg_inherits i
join pg_class c on c.oid = i.inhrelid
where i.inhparent = 'answer'::regclass and c.relname ~ '^answer_[0-9]{4}_[0-9]{2}$'
order by month;

-- name: unfinished_games_created_before
select code, phase from game where created_at < %(before)s and phase <> 'ended' order by created_at;

-- name: drop_answer_partition
select drop_answer_partition(%(name)s) as answers;

-- name: delete_games_created_before
-- With their teams, any answers left in the default partition, corrections, markings, audit,
-- and their place in the question bank's history and in their seasons (all on delete cascade).
delete from game where created_at < %(before)s;
