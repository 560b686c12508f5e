-- Every change to what a quiz holds (its settings, rounds, questions, answer keys, pictures and
-- clips) gives it a new revision. Each process caches a quiz's contents under the revision it read
-- them at, and every change to a game reads the quiz's current revision with the game row: a key
-- fixed or a question edited in any process is seen by all of them at their next change, with
-- nothing to invalidate. A sequence, so that no revision is handed out twice, not even by a
-- transaction that rolled back (its contents may sit in a cache under that number).
create sequence quiz_revision;
alter table quiz add column revision bigint not null default nextval('quiz_revision');

create function new_quiz_revision() returns trigger language plpgsql as $$
begin
  new.revision := nextval('quiz_revision');
  return new;
end $$;
create trigger quiz_revised before update on quiz for each row execute function new_quiz_revision();

-- A round or a question changing is its quiz changing. (When a whole quiz is deleted, the rows of
-- its rounds and questions go after it: the update then finds no quiz, which is right.) The
-- quiz's own trigger draws the number again: numbers only need to be new, not consecutive.
create function revise_quiz_of_round() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    update quiz set revision = nextval('quiz_revision') where id = old.quiz_id;
  else
    update quiz set revision = nextval('quiz_revision') where id = new.quiz_id;
  end if;
  return null;
end $$;
create trigger round_revised after insert or update or delete on round for each row
  execute function revise_quiz_of_round();

create function revise_quiz_of_question() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    update quiz set revision = nextval('quiz_revision') where id = (select quiz_id from round where id = old.round_id);
  else
    update quiz set revision = nextval('quiz_revision') where id = (select quiz_id from round where id = new.round_id);
  end if;
  return null;
end $$;
create trigger question_revised after insert or update or delete on question for each row
  execute function revise_quiz_of_question();
