-- A host's tokens for the JSON API (a Stream Deck button, a script). Only the SHA-256 of a
-- token is kept: whoever reads the database cannot act as the host. A token is revoked, never
-- deleted, so the host's page can still say which one was used when.
create table api_token (
    id bigint generated always as identity primary key,
    host_id bigint not null references host on delete cascade,
    name text not null,
    scopes text[] not null,
    token_hash text not null unique,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
create index api_token_host on api_token (host_id);
