-- name: insert_host
insert into host (email, password_hash)
values (%(email)s, %(password_hash)s)
on conflict (lower(email)) do nothing
returning id;

-- name: host_by_email
select * from host where lower(email) = lower(%(email)s);

-- name: host_by_id
select id, email, session_version, language from host where id = %(id)s;

-- name: set_host_language
update host set language = %(language)s where id = %(id)s;

-- name: end_sessions
update host set session_version = session_version + 1 where id = %(id)s;

-- name: set_password
update host set password_hash = %(password_hash)s where id = %(id)s;
