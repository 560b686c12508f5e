-- A media address was its id and the sha256 of its bytes: anyone holding the same picture (a
-- quiz's answer, say) could build it. Each file now gets a random part of its address; the
-- default is volatile, so the rewrite gives every existing row its own. gen_random_uuid() draws
-- from the server's strong random source: 122 random bits.
alter table media add column secret text not null default replace(gen_random_uuid()::text, '-', '');
