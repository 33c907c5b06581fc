# awsenv for bash: add   eval "$(awsenv init bash)"   to ~/.bashrc
__awsenv() { command @AWSENV@ "$@"; }
# __awsenv_eval CMD ARGS...: eval what awsenv prints, only when it succeeds,
# and never a help run (that goes to the terminal as it is).
__awsenv_eval() {
	local __awsenv_cmd=$1 __awsenv_out __awsenv_arg
	shift
	for __awsenv_arg in "$@"; do
		case $__awsenv_arg in
		--) break ;;
		-h | --help) __awsenv "$__awsenv_cmd" "$@"; return ;;
		esac
	done
	__awsenv_out="$(AWSENV_SHELL_PID=$$ __awsenv "$__awsenv_cmd" --shell bash "$@")" || return
	eval "$__awsenv_out"
}
ec2switch() { __awsenv_eval switch "$@"; }
ec2mfa() { __awsenv_eval mfa "$@"; }
ec2role() { __awsenv_eval role "$@"; }
ec2clear() { __awsenv_eval clear "$@"; }
ec2now() { __awsenv now "$@"; }
export AWSENV_WRAPPERS=bash

# Completion: accounts, profiles, roles, subcommands and flags, from awsenv.
__awsenv_complete() {
	local IFS=$'\n'
	COMPREPLY=($(__awsenv __complete "${COMP_WORDS[0]##*/}" "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -F __awsenv_complete ec2switch ec2mfa ec2role ec2now awsenv

# The prompt segment, from the environment alone: no process runs.
#   PROMPT_COMMAND="__awsenv_prompt_update${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
#   PS1='${AWSENV_PROMPT:+($AWSENV_PROMPT) }'"$PS1"
# or $(awsenv_prompt) anywhere a command substitution is fine.
__awsenv_prompt_update() {
	AWSENV_PROMPT=
	[ -n "$AWS_ACCESS_KEY_ID" ] || return 0
	AWSENV_PROMPT=${MY_AWS_SET_FOR:-${AWSENV_ACCOUNT:-?}}
	local e=${AWS_CREDENTIAL_EXPIRATION:-$AWS_SESSION_EXPIRATION} now left
	[[ $e =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$ ]] || return 0
	local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
	# days since 1970-01-01 of a civil date (Howard Hinnant's algorithm)
	((y -= m <= 2, m += m > 2 ? -3 : 9))
	local era=$(((y >= 0 ? y : y - 399) / 400)) yoe doy
	((yoe = y - era * 400, doy = (153 * m + 2) / 5 + d - 1))
	local days=$((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468))
	local exp=$((days * 86400 + 10#${BASH_REMATCH[4]} * 3600 + 10#${BASH_REMATCH[5]} * 60 + 10#${BASH_REMATCH[6]}))
	printf -v now '%(%s)T' -1
	((left = exp - now))
	if ((left <= 0)); then
		AWSENV_PROMPT+=" expired"
	elif ((left < 60)); then
		AWSENV_PROMPT+=" ${left}s"
	elif ((left < 3600)); then
		AWSENV_PROMPT+=" $((left / 60))m"
	else
		printf -v left '%dh%02dm' $((left / 3600)) $((left % 3600 / 60))
		AWSENV_PROMPT+=" $left"
	fi
}
awsenv_prompt() {
	__awsenv_prompt_update
	[ -z "$AWSENV_PROMPT" ] || printf '%s\n' "$AWSENV_PROMPT"
}
