-- Sluice's own cases (not from apache/spark): to_number and try_to_number on text that does and does not match its format.
SELECT to_number('1,234.50', '9,999.99'), to_number('-12', 'S99'), to_number('12+', '99S'), to_number('  7', '999');
SELECT to_number('12.345', '99.99');
SELECT to_number('1234', '999');
SELECT to_number('12a', '999');
SELECT try_to_number('12a', '999'), try_to_number('$5', '$9'), try_to_number('5', '$9'), try_to_number(NULL, '9');
SELECT to_number('<5>', '9PR'), to_number('5', '9PR'), to_number('3.', '9.9'), to_number('.5', '9.9');
CREATE OR REPLACE TEMPORARY VIEW prices AS SELECT * FROM VALUES ('$1,200.00'), ('$35.50'), (NULL), ('$0.99') AS prices(p);
SELECT p, to_number(p, '$9,999.99') AS amount, typeof(to_number(p, '$9,999.99')) FROM prices;
