-- Logging out ends every session of the host, not just the cookie in one browser: a session
-- carries the version it was made at, and logging out moves the version on.
alter table host add column session_version int not null default 0;
