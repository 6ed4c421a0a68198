-- The embeddings table as schema 6 (and every version before it) made
-- it, WITHOUT ROWID, with its triggers: run on a current file, it puts the
-- vectors back into that layout, for tests/0106-storage.t.
BEGIN;
CREATE TABLE old_embeddings (  log_id INTEGER NOT NULL REFERENCES exchanges (log_id) ON DELETE CASCADE,  model TEXT NOT NULL,  dim INTEGER NOT NULL CHECK (dim > 0),  content_hash TEXT NOT NULL,  vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),  created_at TEXT NOT NULL,  PRIMARY KEY (model, log_id)) WITHOUT ROWID;
INSERT INTO old_embeddings SELECT * FROM embeddings;
DROP TABLE embeddings;
ALTER TABLE old_embeddings RENAME TO embeddings;
CREATE TRIGGER embeddings_insert AFTER INSERT ON embeddings BEGIN  INSERT INTO vector_state (model, version) VALUES (NEW.model, 1)  ON CONFLICT (model) DO UPDATE SET version = version + 1;END;
CREATE TRIGGER embeddings_update AFTER UPDATE ON embeddings BEGIN  UPDATE vector_state SET version = version + 1 WHERE model IN (OLD.model, NEW.model);END;
CREATE TRIGGER embeddings_delete AFTER DELETE ON embeddings BEGIN  UPDATE vector_state SET version = version + 1 WHERE model = OLD.model;END;
CREATE TRIGGER index_embeddings_insert AFTER INSERT ON embeddings BEGIN  INSERT INTO index_changes (log_id, model) VALUES (NEW.log_id, NEW.model);END;
CREATE TRIGGER index_embeddings_update AFTER UPDATE ON embeddings BEGIN  INSERT INTO index_changes (log_id, model) VALUES (OLD.log_id, OLD.model);  INSERT INTO index_changes (log_id, model) SELECT NEW.log_id, NEW.model    WHERE NEW.log_id IS NOT OLD.log_id OR NEW.model IS NOT OLD.model;END;
CREATE TRIGGER index_embeddings_delete AFTER DELETE ON embeddings BEGIN  INSERT INTO index_changes (log_id, model) VALUES (OLD.log_id, OLD.model);END;
PRAGMA user_version = 6;
COMMIT;
