/* Schema migrations, forward-only; see vasdom.5 for the meaning of every
 * column. Never edit a released step: add a new one. */
#include "vd_db.h"

/* The triggers on embeddings, made by steps 1 -> 2 and 3 -> 4 and made
 * again by 6 -> 7, which replaces the table: the vectors' version per
 * model, for the search caches, and the log of what each change touched. */
#define EMBEDDINGS_STATE_TRIGGERS \
	"CREATE TRIGGER embeddings_insert AFTER INSERT ON embeddings BEGIN" \
	"  INSERT INTO vector_state (model, version) VALUES (NEW.model, 1)" \
	"  ON CONFLICT (model) DO UPDATE SET version = version + 1;" \
	"END;" \
	"CREATE TRIGGER embeddings_update AFTER UPDATE ON embeddings BEGIN" \
	"  UPDATE vector_state SET version = version + 1 WHERE model IN (OLD.model, NEW.model);" \
	"END;" \
	"CREATE TRIGGER embeddings_delete AFTER DELETE ON embeddings BEGIN" \
	"  UPDATE vector_state SET version = version + 1 WHERE model = OLD.model;" \
	"END;"
#define EMBEDDINGS_INDEX_TRIGGERS \
	"CREATE TRIGGER index_embeddings_insert AFTER INSERT ON embeddings BEGIN" \
	"  INSERT INTO index_changes (log_id, model) VALUES (NEW.log_id, NEW.model);" \
	"END;" \
	"CREATE TRIGGER index_embeddings_update AFTER UPDATE ON embeddings BEGIN" \
	"  INSERT INTO index_changes (log_id, model) VALUES (OLD.log_id, OLD.model);" \
	"  INSERT INTO index_changes (log_id, model) SELECT NEW.log_id, NEW.model" \
	"    WHERE NEW.log_id IS NOT OLD.log_id OR NEW.model IS NOT OLD.model;" \
	"END;" \
	"CREATE TRIGGER index_embeddings_delete AFTER DELETE ON embeddings BEGIN" \
	"  INSERT INTO index_changes (log_id, model) VALUES (OLD.log_id, OLD.model);" \
	"END;"

const char *const vd_schema_migrations[VD_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE exchanges ("
	"  log_id INTEGER PRIMARY KEY AUTOINCREMENT,"  /* never reused */
	"  client_id TEXT UNIQUE,"                     /* idempotent imports */
	"  session_id TEXT NOT NULL,"
	"  message TEXT NOT NULL,"
	"  response TEXT NOT NULL,"
	"  source TEXT NOT NULL CHECK (source IN"
	"    ('llm','experience','intent','default','record')),"
	"  model_used TEXT,"
	"  response_time REAL NOT NULL DEFAULT 0,"
	"  similar_found INTEGER NOT NULL DEFAULT 0,"
	"  similar_used TEXT NOT NULL DEFAULT '[]',"   /* [{log_id,score}] */
	"  model_error TEXT,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  rating INTEGER CHECK (rating BETWEEN 1 AND 5),"
	"  feedback_text TEXT,"
	"  correction TEXT"
	");"
	"CREATE INDEX exchanges_created ON exchanges (created_at);"
	"CREATE INDEX exchanges_session ON exchanges (session_id);"
	"CREATE INDEX exchanges_rating ON exchanges (rating);"
	"CREATE TABLE ratings ("
	"  id INTEGER PRIMARY KEY,"
	"  log_id INTEGER NOT NULL REFERENCES exchanges (log_id) ON DELETE CASCADE,"
	"  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),"
	"  feedback_text TEXT,"
	"  correction TEXT,"
	"  client_id TEXT UNIQUE,"
	"  created_at TEXT NOT NULL"
	");"
	"CREATE INDEX ratings_log ON ratings (log_id);"
	"CREATE TABLE embeddings ("
	"  log_id INTEGER NOT NULL REFERENCES exchanges (log_id) ON DELETE CASCADE,"
	"  model TEXT NOT NULL,"
	"  dim INTEGER NOT NULL CHECK (dim > 0),"
	"  content_hash TEXT NOT NULL,"
	"  vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),"
	"  created_at TEXT NOT NULL,"
	"  PRIMARY KEY (model, log_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE embedding_models ("             /* per-model state, e.g. */
	"  model TEXT PRIMARY KEY,"                    /* learned weights */
	"  dim INTEGER NOT NULL,"
	"  params BLOB,"
	"  fitted_on INTEGER NOT NULL DEFAULT 0,"     /* exchanges seen by the fit */
	"  updated_at TEXT NOT NULL"
	");"
	"CREATE TABLE model_metrics ("
	"  id INTEGER PRIMARY KEY,"
	"  model TEXT NOT NULL,"
	"  period_start TEXT NOT NULL,"
	"  period_end TEXT NOT NULL,"
	"  total_interactions INTEGER NOT NULL,"
	"  rated INTEGER NOT NULL,"
	"  avg_rating REAL,"
	"  positive_ratings INTEGER NOT NULL,"
	"  negative_ratings INTEGER NOT NULL,"
	"  user_satisfaction REAL,"
	"  rating_coverage REAL,"
	"  overall_quality TEXT,"
	"  requires_retraining INTEGER NOT NULL,"
	"  reason TEXT,"
	"  created_at TEXT NOT NULL"
	");"
	"CREATE TABLE training_datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  sample_count INTEGER NOT NULL,"
	"  min_rating INTEGER NOT NULL,"
	"  path TEXT"
	");",
	/* 1 -> 2: a version per embedding model, bumped by every change to
	 * its vectors or to the ratings, so a search cache can tell whether it
	 * still matches the database */
	"CREATE TABLE vector_state ("
	"  model TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL"
	");"
	EMBEDDINGS_STATE_TRIGGERS
	"CREATE TRIGGER exchanges_rated AFTER UPDATE OF rating, correction ON exchanges BEGIN"
	"  UPDATE vector_state SET version = version + 1;"
	"END;"
	"CREATE TRIGGER exchanges_delete AFTER DELETE ON exchanges BEGIN"
	"  UPDATE vector_state SET version = version + 1;"
	"END;",
	/* 2 -> 3: a log of the exchanges whose vectors may be missing or out
	 * of date, and how far each model (and scope) has read it, so that
	 * bringing vectors up to date reads what changed since, not every
	 * exchange: on a million exchanges every vasdom-ask start hashed all
	 * rated ones (1.8 s) */
	"CREATE TABLE vector_changes ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"     /* commit order */
	"  log_id INTEGER NOT NULL"
	");"
	"CREATE TABLE vector_cursors ("
	"  model TEXT NOT NULL,"
	"  scope TEXT NOT NULL,"                       /* all or rated */
	"  seq INTEGER NOT NULL,"                      /* changes read up to */
	"  PRIMARY KEY (model, scope)"
	");"
	"CREATE TRIGGER exchanges_changed_insert AFTER INSERT ON exchanges BEGIN"
	"  INSERT INTO vector_changes (log_id) VALUES (NEW.log_id);"
	"END;"
	"CREATE TRIGGER exchanges_changed_update"
	"  AFTER UPDATE OF message, response, rating, correction ON exchanges BEGIN"
	"  INSERT INTO vector_changes (log_id) VALUES (NEW.log_id);"
	"END;",
	/* 3 -> 4: a log of what changed for the search cache, the same events
	 * that bump vector_state, with the exchange each touched, so a cache a
	 * few changes old is used as it is beside those exchanges read again,
	 * instead of rebuilt (6.7 s at a million exchanges); and how far each
	 * model's saved cache has read it. A model of null is a change for
	 * every model (a rating, a deletion). vector_changes cannot serve: it
	 * must not see the vectors' own writes. */
	"CREATE TABLE index_changes ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"     /* commit order */
	"  log_id INTEGER NOT NULL,"
	"  model TEXT"
	");"
	"CREATE TABLE index_cursors ("
	"  model TEXT PRIMARY KEY,"                    /* '': the log itself */
	"  seq INTEGER NOT NULL"                       /* its cache file's; for '', */
	");"                                           /* rows up to it are dropped */
	EMBEDDINGS_INDEX_TRIGGERS
	"CREATE TRIGGER index_exchanges_rated AFTER UPDATE OF rating, correction ON exchanges BEGIN"
	"  INSERT INTO index_changes (log_id) VALUES (NEW.log_id);"
	"END;"
	"CREATE TRIGGER index_exchanges_delete AFTER DELETE ON exchanges BEGIN"
	"  INSERT INTO index_changes (log_id) VALUES (OLD.log_id);"
	"END;",
	/* 4 -> 5: what an answer cost (the model's own token counts, null
	 * when no model answered or it did not say), how sure the answer
	 * was, and whether it was handed over to a person instead */
	"ALTER TABLE exchanges ADD COLUMN prompt_tokens INTEGER;"
	"ALTER TABLE exchanges ADD COLUMN completion_tokens INTEGER;"
	"ALTER TABLE exchanges ADD COLUMN confidence REAL;"
	"ALTER TABLE exchanges ADD COLUMN handover INTEGER NOT NULL DEFAULT 0;",
	/* 5 -> 6: full-text search (vasdom-log -q). FTS5 has no Russian
	 * stemmer, so the index holds each text's Snowball stems, made in C
	 * (vd_fts.c) the way every other comparison of questions makes them;
	 * triggers queue what changed (text_changes), and the queue is indexed
	 * before a search, so rows written by any client (sqlite3, an import)
	 * are found. A deletion leaves the index at once. An existing
	 * database queues every exchange here and is indexed at its first
	 * search. export_lineage records which exchanges each recorded export
	 * wrote, compactly (an export of a million rows adds a few megabytes,
	 * not a million rows), so forgetting one can name the files that
	 * hold it. */
	"CREATE VIRTUAL TABLE exchanges_fts USING fts5(message, response, correction,"
	"  tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\");"
	"CREATE TABLE text_changes ("
	"  log_id INTEGER PRIMARY KEY"
	");"
	"CREATE TRIGGER text_exchanges_insert AFTER INSERT ON exchanges BEGIN"
	"  INSERT OR IGNORE INTO text_changes (log_id) VALUES (NEW.log_id);"
	"END;"
	"CREATE TRIGGER text_exchanges_update"
	"  AFTER UPDATE OF message, response, correction ON exchanges BEGIN"
	"  INSERT OR IGNORE INTO text_changes (log_id) VALUES (NEW.log_id);"
	"END;"
	"CREATE TRIGGER text_exchanges_delete AFTER DELETE ON exchanges BEGIN"
	"  DELETE FROM exchanges_fts WHERE rowid = OLD.log_id;"
	"  DELETE FROM text_changes WHERE log_id = OLD.log_id;"
	"END;"
	"INSERT INTO text_changes (log_id) SELECT log_id FROM exchanges;"
	"CREATE TABLE export_lineage ("
	"  dataset_id INTEGER NOT NULL REFERENCES training_datasets (id) ON DELETE CASCADE,"
	"  chunk INTEGER NOT NULL,"
	"  log_ids BLOB NOT NULL,"                     /* vd_lineage.c: varint deltas */
	"  PRIMARY KEY (dataset_id, chunk)"
	") WITHOUT ROWID;",
	/* 6 -> 7: embeddings becomes a rowid table with a unique index on
	 * (model, log_id). WITHOUT ROWID stores a row in an index b-tree,
	 * where a row longer than about a quarter of the page spills to an
	 * overflow page: a 512-dimension vector (2 KB) took a 4 KB leaf share
	 * and a 4 KB overflow page, the database 2.1-2.4 times its payload. A
	 * rowid table keeps a row up to the page size in its leaf, and a
	 * longer one fills whole overflow pages, so with 16 KB pages
	 * (vd_db.c) a vector of any dimension wastes little. The same columns
	 * in the same order, the same triggers; the copy fires none, so the
	 * vectors' version and every search cache stay valid. */
	"CREATE TABLE embeddings_new ("
	"  log_id INTEGER NOT NULL REFERENCES exchanges (log_id) ON DELETE CASCADE,"
	"  model TEXT NOT NULL,"
	"  dim INTEGER NOT NULL CHECK (dim > 0),"
	"  content_hash TEXT NOT NULL,"
	"  vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),"
	"  created_at TEXT NOT NULL"
	");"
	"INSERT INTO embeddings_new (log_id, model, dim, content_hash, vector, created_at)"
	"  SELECT log_id, model, dim, content_hash, vector, created_at FROM embeddings"
	"  ORDER BY model, log_id;"
	"DROP TABLE embeddings;"
	"ALTER TABLE embeddings_new RENAME TO embeddings;"
	"CREATE UNIQUE INDEX embeddings_key ON embeddings (model, log_id);"
	EMBEDDINGS_STATE_TRIGGERS
	EMBEDDINGS_INDEX_TRIGGERS,
};
