# bash completion for the vasdom tools: vasdom-ask, vasdom-rate,
# vasdom-embed, vasdom-similar, vasdom-stats, vasdom-export, vasdom-review,
# vasdom-serve and vasdom-log.
#
# Options, formats and files; log ids, session ids and embedding models
# from the database the command line names (-d, else $VASDOM_DB, else
# $XDG_DATA_HOME/vasdom/vasdom.db), read with sqlite3 -readonly when both
# are there. Needs no bash-completion package; installed as one file per
# tool name so bash-completion loads it on demand.

# The database of the command line being completed.
_vasdom_db()
{
	local i w db=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-d) db=${COMP_WORDS[i + 1]} ;;
		-d?*) db=${w#-d} ;;
		esac
	done
	[[ -n $db ]] || db=${VASDOM_DB:-}
	if [[ -z $db ]]; then
		local data=${XDG_DATA_HOME:-}
		[[ $data == /* ]] || data=$HOME/.local/share
		db=$data/vasdom/vasdom.db
	fi
	[[ $db == "~/"* ]] && db=$HOME/${db#"~/"}
	printf '%s\n' "$db"
}

# _vasdom_sql SQL: rows of a read-only query, nothing when there is no
# database or no sqlite3.
_vasdom_sql()
{
	local db
	db=$(_vasdom_db)
	[[ -f $db ]] && type -P sqlite3 >/dev/null || return 0
	sqlite3 -readonly -batch -noheader -init /dev/null -cmd '.timeout 500' \
		"$db" "$1" 2>/dev/null
}

# _vasdom_quote TEXT: TEXT as an SQL string literal.
_vasdom_quote()
{
	printf "'%s'" "${1//\'/\'\'}"
}

# The newest log ids that begin with $cur.
_vasdom_log_ids()
{
	[[ $cur == *[!0-9]* ]] && return 0
	mapfile -t COMPREPLY < <(_vasdom_sql "SELECT log_id FROM exchanges
		WHERE CAST(log_id AS TEXT) LIKE '$cur%' ORDER BY log_id DESC LIMIT 100")
}

# The session ids that begin with $cur, the latest first.
_vasdom_sessions()
{
	local q
	q=$(_vasdom_quote "$cur")
	mapfile -t COMPREPLY < <(_vasdom_sql "SELECT session_id FROM exchanges
		WHERE substr(session_id, 1, length($q)) = $q
		GROUP BY session_id ORDER BY max(log_id) DESC LIMIT 100")
}

# The embedding models with stored vectors, and the built-in one.
_vasdom_models()
{
	local m
	while IFS= read -r m; do
		[[ $m == "$cur"* ]] && COMPREPLY+=("$m")
	done < <({ echo builtin; _vasdom_sql 'SELECT DISTINCT model FROM embeddings'; } | sort -u)
}

# _vasdom_in WORD LIST: is WORD one of the blank-separated LIST?
_vasdom_in()
{
	local w
	for w in $2; do [[ $w == "$1" ]] && return 0; done
	return 1
}

_vasdom_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

# _vasdom_export_formats CMD: the formats CMD -h lists (from its format
# table), blank-separated
_vasdom_export_formats()
{
	"$1" -h 2>/dev/null | sed -n '1s/.*\[-f \([^]]*\)\].*/\1/p' | tr '|' ' '
}

_vasdom_words()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_vasdom()
{
	local cmd=${1##*/} cur=${COMP_WORDS[COMP_CWORD]} prev= opts args opt
	local cword=$COMP_CWORD
	((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
	COMPREPLY=()

	# every option; those that take a value
	case $cmd in
	vasdom-ask)
		opts='-r -s -d -f -i --map --csv-raw --record --skip-existing --rules --profile --rejects
			--min-confidence --explain -h --help --version'
		args='-s -d -f -i --map --rules --profile --rejects --min-confidence' ;;
	vasdom-rate)
		opts='-d -f -i --map --csv-raw --rejects --skip-existing --profile -h --help --version'
		args='-d -f -i --map --rejects --profile' ;;
	vasdom-embed)
		opts='-q -m -d -f -i --all --text -h --help --version'
		args='-m -d -f -i' ;;
	vasdom-similar)
		opts='-n -t -m -d -f -i --map --csv-raw --min-score --min-rating -h --help --version'
		args='-n -t -m -d -f -i --map --min-score --min-rating' ;;
	vasdom-stats)
		opts='-d -f -o --format --output --csv-raw --days --by --chart --evaluate --dry-run --health
			--probe --profile -h --help --version'
		args='-d -f -o --format --output --days --by --profile' ;;
	vasdom-export)
		opts='-d -f -o --format --output --csv-raw --min-rating --days --since --until --max --dedup --redact
			--system --no-metadata --similarity --split --seed --name --dry-run --validate -h --help --version'
		args='-d -f -o --format --output --min-rating --days --since --until --max --system
			--similarity --split --seed --name --validate' ;;
	vasdom-review)
		opts='-n -d -f --csv-raw --gaps --drafts --queue --conflicts --replay --summary --days --similarity
			--rules --min-confidence -h --help --version'
		args='-n -d -f --days --similarity --rules --min-confidence' ;;
	vasdom-serve)
		opts='-l -t -c -d --cors --rules --timeout -h --help --version'
		args='-l -t -c -d --cors --rules --timeout' ;;
	vasdom-log)
		opts='-d -f -n -q --format --query --since --until --session --source --rating --min-rating
			--unrated --corrected --id-gt --transcript --forget --log-id --before --older-than
			--keep-endorsed --dry-run --backup -h --help --version'
		args='-d -f -n -q --format --query --since --until --session --source --rating --min-rating
			--id-gt --transcript --log-id --before --older-than --backup' ;;
	*) return 0 ;;
	esac

	# the option whose value is being completed: "-f x", "--format=x", "-fx"
	local joined=
	opt=
	if [[ $cur == = && $prev == --* ]]; then
		opt=$prev cur=
	elif [[ $prev == = ]] && ((cword > 1)); then
		opt=${COMP_WORDS[cword - 2]}
	elif [[ $prev == -* ]] && _vasdom_in "$prev" "$args"; then
		opt=$prev
	elif [[ $cur == -[!-]?* ]] && _vasdom_in "${cur:0:2}" "$args"; then
		opt=${cur:0:2} joined=${cur:0:2} cur=${cur:2}
	fi
	if [[ -n $opt ]]; then
		case $cmd:$opt in
		*:-d | *:-o | *:--output | *:--rules | *:--profile | *:--rejects | *:--validate | *:--backup)
			_vasdom_files ;;
		vasdom-log:-f | vasdom-log:--format)
			_vasdom_words 'jsonl csv text' ;;
		*:--session | *:--transcript) _vasdom_sessions ;;
		*:--log-id) _vasdom_log_ids ;;
		*:--source) _vasdom_words 'llm experience intent default record' ;;
		*:--rating) _vasdom_words '1 2 3 4 5' ;;
		vasdom-stats:-f | vasdom-stats:--format)
			_vasdom_words 'jsonl csv prometheus' ;;
		vasdom-export:-f | vasdom-export:--format)
			_vasdom_words "$(_vasdom_export_formats "$1")" ;;
		*:-f) _vasdom_words 'jsonl csv' ;;
		*:-i) _vasdom_words 'auto text jsonl csv' ;;
		*:-s) _vasdom_sessions ;;
		*:-m) _vasdom_models ;;
		*:--by) _vasdom_words 'day week topic' ;;
		vasdom-serve:-l) _vasdom_words '127.0.0.1:8000 127.0.0.1:0 [::1]:8000' ;;
		*:--min-rating) _vasdom_words '1 2 3 4 5' ;;
		esac
		[[ -n $joined ]] && ((${#COMPREPLY[@]})) && COMPREPLY=("${COMPREPLY[@]/#/$joined}")
		return 0
	fi

	if [[ $cur == -* ]]; then
		_vasdom_words "$opts"
		return 0
	fi

	# operands: the how-manieth, options and their values skipped
	local i n=0 w skip=0 dashdash=0
	for ((i = 1; i < cword; i++)); do
		w=${COMP_WORDS[i]}
		# "--rules=x" comes as three words: --rules, =, x
		if [[ $w == = ]]; then skip=1; continue; fi
		if ((skip)); then skip=0; continue; fi
		if ((!dashdash)) && [[ $w == -- ]]; then dashdash=1; continue; fi
		if ((!dashdash)) && [[ $w == -?* ]]; then
			_vasdom_in "$w" "$args" && skip=1
			continue
		fi
		((n++))
	done
	case $cmd in
	vasdom-rate)
		case $n in
		0) _vasdom_log_ids ;;
		1) _vasdom_words '1 2 3 4 5' ;;
		esac ;;
	vasdom-similar)
		_vasdom_log_ids ;;
	esac
	return 0
}

complete -F _vasdom vasdom-ask vasdom-rate vasdom-embed vasdom-similar vasdom-stats vasdom-export \
	vasdom-review vasdom-serve vasdom-log
