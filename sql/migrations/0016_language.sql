-- The language a game's phones and projector speak (the host picks it when starting the game,
-- and may change it in the lobby), and the language of the host's own pages.
alter table host add column language text not null default 'en'
    check (language in ('en', 'de', 'nl', 'fr'));
alter table game add column language text not null default 'en'
    check (language in ('en', 'de', 'nl', 'fr'));
