#!/bin/zsh -f
# zcomp.zsh FPATH_DIR OUT LINE...: in an interactive zsh on a pseudo-
# terminal, complete the end of each command line LINE (Tab) and write the
# matches offered to OUT, one a line, each LINE's after a line "## LINE".
zmodload zsh/zpty || exit 3
dir=$1 out=$2
shift 2
: >$out
zpty z zsh -f -i || exit 3
# the dump file beside OUT: compinit writes it (-D or not) by renaming a
# temporary over it, which for /dev/null, as root, made /dev/null a file
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D -d ${(q)out}.zcompdump"
zpty -w z "PROMPT=''; zstyle ':completion:*' list-prompt ''; bindkey '^I' complete-word"
zpty -w z "compadd() { local -a __m; builtin compadd -A __m \"\$@\"; print -rl -- \$__m >>${(q)out}; builtin compadd \"\$@\" }"
zpty -w z "_zcomp_done() { print -r -- '## done' >>${(q)out}; comppostfuncs=(_zcomp_done) }; comppostfuncs=(_zcomp_done)"
integer n=0 i c
local -a lines
for line in "$@"; do
	print -r -- "## $line" >>$out
	zpty -w -n z "$line"$'\t'
	(( n++ ))
	# wait for this completion to finish, at most 5 s
	for (( i = 0; i < 500; i++ )); do
		lines=(${(f)"$(<$out)"})
		c=${#${(M)lines:#'## done'}}
		(( c >= n )) && break
		zpty -r -t z junk 2>/dev/null
		sleep 0.01
	done
	# clear the line for the next one
	zpty -w -n z $'\C-e\C-u'
done
zpty -w z 'exit'
zpty -d z 2>/dev/null
exit 0
