-- Sluice's own cases (not from apache/spark): JSON text functions on keys out of order, nesting and malformed text.
SELECT json_object_keys('{"zeta": 1, "alpha": {"b": 2, "a": 3}, "mid": [1, {"x": 1}]}'), json_array_length('[{"a": [1, 2]}, [3, [4]], "x", null]');
SELECT json_object_keys('{"a": 1} trailing'), json_array_length('[1, 2] [3]'), json_array_length(' [ ] '), json_object_keys(' { } ');
SELECT elt(2, 'a', 'b', 'c'), elt(3, 1, 2.5, 3), elt(1, date'2020-01-01', null);
