-- Sluice's own cases (not from apache/spark): managed tables and INSERT's store assignment.
create table t(a int, b string, c double) using parquet;
insert into t values (1, 'x', 2);
-- a string is not stored into an int column
insert into t values ('2', 'y', 3.5);
-- numbers are cast (1.7 truncates), a number into a string column is its text
insert into t values (1.7, 2, 1);
insert into t values (1, 'x');
insert into t values (1, 'x', 2, 3);
insert into t values (3000000000, 'z', 1);
insert into t select 5, 'q', 1.5;
create table t(x int) using parquet;
create table if not exists t(x int) using parquet;
select * from t;
create table u using parquet as select a, b from t where a > 1;
select * from u;
insert into u select a + 10, b from u;
select a, b from u order by a;
drop table t;
select * from t;
drop table if exists t;
create table v(d date, ts timestamp) using parquet;
insert into v values (date'2024-02-29', timestamp'2024-03-01 10:00:00'), (null, null);
insert into v select ts, d from v;
select * from v;
