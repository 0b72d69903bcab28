-- Sluice's own cases: format_string / printf, Java's Formatter as Spark calls it (answered by pyspark 4.3).
-- (Java's exception texts for mismatched conversions have no Spark class: unit tests in core/src/eval/scalar/format_string.rs.)
SELECT format_string('Hello %s, you are %d', 'Ann', 30), printf('%s|%5s|%-5s|%.2s', 'abc', 'ab', 'ab', 'abcdef');
SELECT format_string('%d|%5d|%-5d|%05d|%+d|% d|%,d|%(d', 42, 42, 42, 42, 42, 42, 1234567, -42);
SELECT format_string('%x|%X|%o|%08x|%#x|%#o', 255, 255, 8, 255, 255, 8);
SELECT format_string('%f|%.2f|%10.3f|%-10.1f|%e|%.3E|%g|%,.2f', 3.14159D, 3.14159D, 3.14159D, 3.14159D, 12345.678D, 12345.678D, 0.0001234D, 1234567.891D);
SELECT format_string('%b|%b|%b|%B', true, NULL, 'x', false);
SELECT format_string('%s|%s|%S', NULL, 1.5D, 'abc');
SELECT format_string('%2$s %1$s %2$s', 'a', 'b'), format_string('100%% %n'), format_string('%c%c', 65, 98);
SELECT format_string(NULL, 1), format_string('no args'), format_string('%s', CAST(2.5 AS DECIMAL(4,2)));
SELECT format_string('%5.1f%%', 12.345D), format_string('%d items', CAST(7 AS BIGINT)), format_string('%s', array(1, 2));
SELECT format_string('%s-%03d', k, n) FROM VALUES ('a', 1), ('b', 22), (NULL, 333) AS t(k, n) ORDER BY n;
