-- The read replica's checks (pubquiz/replica.py), at most once a second per process.

-- name: replica_position
-- On the standby: how far it has replayed, and how old the last transaction it replayed is
-- (seconds; null when it has replayed none since it started). Its clock and the primary's
-- (which stamped the commit) are assumed to agree to well under a second (NTP).
select pg_is_in_recovery() as in_recovery,
       pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint as replayed,
       extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp())::float as replay_age

-- name: primary_position
-- On the primary: how far its WAL is on disk, all a standby can have (asked only when the
-- replica's last replayed transaction is old: is the primary idle, or the replica behind?).
select pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint as flushed
