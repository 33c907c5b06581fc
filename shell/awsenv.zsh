# awsenv for zsh: add   eval "$(awsenv init zsh)"   to ~/.zshrc
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
	__awsenv_out="$(AWSENV_SHELL_PID=$$ __awsenv "$__awsenv_cmd" --shell zsh "$@")" || return
	eval "$__awsenv_out"
}
ec2switch() { __awsenv_eval switch "$@"; }
ec2mfa() { __awsenv_eval mfa "$@"; }
ec2role() { __awsenv_eval role "$@"; }
ec2clear() { __awsenv_eval clear "$@"; }
ec2now() { __awsenv now "$@"; }
export AWSENV_WRAPPERS=zsh

# Completion: accounts, profiles, roles, subcommands and flags, from awsenv;
# with compinit through compdef, without it through compctl, so it works
# whether or not the rc file runs compinit, and before or after this line.
# With compinit, each candidate shows its description (an account's id and
# region, a flag's or a command's usage) through _describe.
__awsenv_zcomplete() {
	local -a c d
	local l
	c=(${(f)"$(__awsenv __complete --describe ${words[1]:t} "${(@)words[2,CURRENT]}" 2>/dev/null)"})
	for l in "${c[@]}"; do
		if [[ $l == *$'\t'* ]]; then
			d+=("${${l%%$'\t'*}//:/\\:}:${l#*$'\t'}")
		else
			d+=("${l//:/\\:}")
		fi
	done
	_describe -t awsenv awsenv d
}
__awsenv_compctl() {
	local -a args
	local pos
	read -cA args
	read -cn pos
	(( pos > ${#args} )) && args+=("")
	reply=(${(f)"$(__awsenv __complete ${args[1]:t} "${(@)args[2,pos]}" 2>/dev/null)"})
}
if (( $+functions[compdef] )); then
	compdef __awsenv_zcomplete ec2switch ec2mfa ec2role ec2now awsenv
else
	compctl -K __awsenv_compctl ec2switch ec2mfa ec2role ec2now awsenv
fi

# The prompt segment, from the environment alone: no process runs.
#   precmd_functions+=(__awsenv_prompt_update); setopt prompt_subst
#   PS1='${AWSENV_PROMPT:+($AWSENV_PROMPT) }'"$PS1"
__awsenv_prompt_update() {
	AWSENV_PROMPT=
	[[ -n $AWS_ACCESS_KEY_ID ]] || return 0
	AWSENV_PROMPT=${MY_AWS_SET_FOR:-${AWSENV_ACCOUNT:-?}}
	local e=${AWS_CREDENTIAL_EXPIRATION:-$AWS_SESSION_EXPIRATION} exp now left
	[[ $e == <->-<->-<->T<->:<->:<->Z ]] || return 0
	zmodload -F zsh/datetime b:strftime p:EPOCHSECONDS 2>/dev/null || return 0
	TZ=UTC strftime -r -s exp '%Y-%m-%dT%H:%M:%SZ' $e 2>/dev/null || return 0
	(( left = exp - EPOCHSECONDS ))
	if (( left <= 0 )); then
		AWSENV_PROMPT+=" expired"
	elif (( left < 60 )); then
		AWSENV_PROMPT+=" ${left}s"
	elif (( left < 3600 )); then
		AWSENV_PROMPT+=" $(( left / 60 ))m"
	else
		AWSENV_PROMPT+=" $(( left / 3600 ))h${(l:2::0:)$(( left % 3600 / 60 ))}m"
	fi
}
awsenv_prompt() {
	__awsenv_prompt_update
	[[ -z $AWSENV_PROMPT ]] || print -r -- $AWSENV_PROMPT
}
