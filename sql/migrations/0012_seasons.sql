-- A season groups a host's games (a venue's league, one game a week). Its teams keep their
-- identity from week to week: a season_team is a name claimed once in the season with a PIN
-- (stored like a game team's PIN: four digits, compared in constant time, guesses limited),
-- and each week's team of that name is linked to it.
create table season (
    id bigint generated always as identity primary key,
    host_id bigint not null references host on delete cascade,
    name text not null,
    scoring text not null default 'total' check (scoring in ('total', 'best', 'places')),
    best_of int check (best_of > 0),
    place_points int[],
    created_at timestamptz not null default now(),
    check (scoring <> 'best' or best_of is not null),
    check (scoring <> 'places' or place_points is not null)
);
create index season_host on season (host_id);

create table season_team (
    id bigint generated always as identity primary key,
    season_id bigint not null references season on delete cascade,
    name text not null,
    pin text not null
);
create unique index season_team_name on season_team (season_id, lower(name));

-- A game left out of its season (or a season deleted) keeps its teams and results.
alter table game add column season_id bigint references season on delete set null;
create index game_season on game (season_id) where season_id is not null;
alter table team add column season_team_id bigint references season_team on delete set null;
