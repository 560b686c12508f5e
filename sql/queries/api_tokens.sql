-- name: insert_api_token
insert into api_token (host_id, name, scopes, token_hash)
values (%(host_id)s, %(name)s, %(scopes)s, %(token_hash)s)
returning id;

-- name: api_tokens_of_host
select id, name, scopes, created_at, last_used_at, revoked_at
from api_token where host_id = %(host_id)s
order by revoked_at is not null, created_at desc, id desc;

-- A second revoke keeps the first one's time.
-- name: revoke_api_token
update api_token set revoked_at = coalesce(revoked_at, now())
where id = %(id)s and host_id = %(host_id)s
returning id;

-- Every API request: who the token is, and that it was used (one round trip for both). A
-- revoked token finds no row.
-- name: use_api_token
with used as (
    update api_token set last_used_at = now()
    where token_hash = %(token_hash)s and revoked_at is null
    returning id, host_id, name, scopes
)
select used.*, host.email, host.language from used join host on host.id = used.host_id;
