-- question_search() calls search_fold() by its bare name. A restore (pg_restore) loads the data
-- with an empty search_path, and computing the generated column question.search then fails: no
-- backup of a database holding a question could be restored. The function now carries the
-- search_path of the schema it was created in, so it finds search_fold() wherever it is called.
alter function question_search(text, text[], text[], text) set search_path from current;
