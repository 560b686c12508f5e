-- A quiz file a host uploaded and is looking at in the preview, kept (as pubquiz JSON, already
-- checked) until they press "Create this quiz": the file is not sent twice. One per host: a new
-- upload replaces the one before, so nothing piles up.
create table quiz_import (
    id bigint generated always as identity primary key,
    host_id bigint not null references host on delete cascade,
    document text not null,
    created_at timestamptz not null default now()
);
create unique index quiz_import_host on quiz_import (host_id);
