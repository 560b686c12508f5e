-- name: server_major
-- pg_dump and pg_restore must come from this major version (backups.tool).
select current_setting('server_version_num')::int / 10000 as major;

-- name: user_tables
-- A restore goes into an empty database only: any table outside the system schemas is data.
select count(*) as tables from pg_catalog.pg_tables
where schemaname not in ('pg_catalog', 'information_schema');
