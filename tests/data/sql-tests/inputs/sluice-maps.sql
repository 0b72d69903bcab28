-- Sluice's own cases (not from apache/spark): the MAP type, its functions and higher-order functions.
CREATE OR REPLACE TEMPORARY VIEW m AS SELECT * FROM VALUES (1, map('a', 1, 'b', 2)), (2, map('c', 3)), (3, null), (4, map()) AS m(id, kv);
SELECT id, kv, size(kv), map_keys(kv), map_values(kv), map_entries(kv) FROM m;
SELECT id, kv['a'], kv['zz'], element_at(kv, 'b'), try_element_at(kv, 'c'), map_contains_key(kv, 'c') FROM m;
SELECT map(1, 'x', 2, 'y'), map('k', array(1, 2)), typeof(map(1, 2L)), cast(map('a', 1) AS STRING), to_json(map('a', 1, 'b', null));
SELECT map(1, 'x', 1, 'y');
SELECT map(null, 1);
SELECT map('a');
SELECT map_from_arrays(array(1, 2), array('p', 'q')), map_from_entries(array(struct(1, 'a'), struct(2, 'b'))), str_to_map('a:1,b:2'), str_to_map('a=1;b', ';', '=');
SELECT map_concat(map(1, 'a'), map(2, 'b')), map_concat(map(1, 'a'), null);
SELECT id, map_filter(kv, (k, v) -> v > 1), transform_values(kv, (k, v) -> v * 10 + id), transform_keys(kv, (k, v) -> upper(k)) FROM m;
SELECT transform_keys(map(1, 'a', 2, 'b'), (k, v) -> 0);
SELECT map_zip_with(map('a', 1, 'b', 2), map('b', 20, 'c', 30), (k, x, y) -> coalesce(x, 0) + coalesce(y, 0));
SELECT id FROM m WHERE kv['a'] = 1 OR size(kv) = 0;
SELECT sum(kv['a']), count(kv), max(size(kv)) FROM m;
SELECT from_json('{"m": {"b": 2, "a": 1}, "n": {"x": "y"}}', 'm map<string,int>, n map<string,int>'), to_json(named_struct('m', map(2, 'x', 1, 'y')));
