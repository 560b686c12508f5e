-- A pub quiz night: rounds with jokers and negative marking, leaderboard control, teams on
-- several phones, human marking, corrections with an audit log, paper teams, pauses, media,
-- and tie-breaks.

alter table quiz
    add column leaderboard_mode text not null default 'question'
        check (leaderboard_mode in ('question', 'round', 'end')),
    add column leaderboard_top int check (leaderboard_top between 1 and 100);

alter table round
    add column joker_eligible boolean not null default false,
    add column negative_marking boolean not null default false;

create table media (
    id bigint generated always as identity primary key,
    host_id bigint not null references host on delete cascade,
    kind text not null check (kind in ('image', 'audio')),
    content_type text not null,
    filename text not null,
    size int not null,
    sha256 text not null,
    bytes bytea not null,
    created_at timestamptz not null default now()
);
create index media_host on media (host_id);

alter table question
    add column image_id bigint references media on delete set null,
    add column audio_id bigint references media on delete set null,
    add column image_on_phones boolean not null default false;

alter table game
    drop constraint game_phase_check,
    add constraint game_phase_check
        check (phase in ('lobby', 'intro', 'question', 'closed', 'reveal', 'leaderboard', 'tiebreak', 'ended')),
    add column scores_hidden boolean not null default false,
    add column paused_at timestamptz,
    add column audio_playing boolean not null default false,
    add column marker_token text;

-- A team is one score; its members are the phones that play for it.
alter table team
    add column pin text,
    add column version int not null default 0,
    add column paper boolean not null default false,
    add column kicked_at timestamptz;

create table member (
    id bigint generated always as identity primary key,
    team_id bigint not null references team on delete cascade,
    token text not null,
    captain boolean not null default false,
    joined_at timestamptz not null default now()
);
create index member_team on member (team_id);
insert into member (team_id, token, captain) select id, token, true from team;
update team set pin = lpad((floor(random() * 10000))::int::text, 4, '0');
alter table team alter column pin set not null, drop column token;

-- A team's pick can change until the deadline, unless it is locked in.
alter table answer
    add column locked boolean not null default true,
    add column member_id bigint references member on delete set null,
    add column updated_at timestamptz;
alter table answer alter column locked set default false;

-- A person's verdict on a group of free-text answers (same normalised text). The newest
-- verdict not undone wins; undoing brings back the one before.
create table marking (
    id bigint generated always as identity primary key,
    game_id bigint not null references game on delete cascade,
    question_id bigint not null references question on delete cascade,
    answer_key text not null,
    verdict text not null check (verdict in ('right', 'half', 'wrong')),
    actor text not null,
    created_at timestamptz not null default now(),
    undone_at timestamptz
);
create index marking_question on marking (game_id, question_id);

-- The host's word on a team's points for one question, over whatever scoring said.
create table correction (
    id bigint generated always as identity primary key,
    game_id bigint not null references game on delete cascade,
    team_id bigint not null references team on delete cascade,
    question_id bigint not null references question on delete cascade,
    points int not null check (points between -1000 and 1000),
    reason text not null,
    actor text not null,
    created_at timestamptz not null default now()
);
create index correction_game on correction (game_id);

create table joker (
    team_id bigint primary key references team on delete cascade,
    round_id bigint not null references round on delete cascade,
    played_at timestamptz not null default now()
);

create table paper_score (
    team_id bigint not null references team on delete cascade,
    round_id bigint not null references round on delete cascade,
    points int not null check (points between -1000 and 1000),
    primary key (team_id, round_id)
);

create table tiebreak (
    id bigint generated always as identity primary key,
    game_id bigint not null references game on delete cascade,
    prompt text not null,
    answer numeric not null,
    team_ids bigint[] not null,
    deadline_at timestamptz not null,
    closed_at timestamptz,
    created_at timestamptz not null default now()
);
create index tiebreak_game on tiebreak (game_id);

create table tiebreak_answer (
    tiebreak_id bigint not null references tiebreak on delete cascade,
    team_id bigint not null references team on delete cascade,
    number numeric not null,
    submitted_at timestamptz not null default now(),
    primary key (tiebreak_id, team_id)
);

-- Who changed what, for the host's audit log.
create table audit (
    id bigint generated always as identity primary key,
    game_id bigint not null references game on delete cascade,
    actor text not null,
    action text not null,
    detail text not null,
    created_at timestamptz not null default now()
);
create index audit_game on audit (game_id, created_at);
