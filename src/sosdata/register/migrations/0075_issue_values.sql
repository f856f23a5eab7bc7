-- A delivery's issues keep what their messages show instead of the messages: a row issue the
-- masked values (value, other), a file issue its params (JSON). Messages are rendered when the
-- issues are read, in the reader's language. Issues stored before keep their message.
ALTER TABLE delivery_issues ADD COLUMN value VARCHAR;
ALTER TABLE delivery_issues ADD COLUMN other VARCHAR;
ALTER TABLE delivery_issues ADD COLUMN params VARCHAR;
