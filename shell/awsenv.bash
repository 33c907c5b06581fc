# awsenv for bash: add   eval "$(awsenv init bash)"   to ~/.bashrc
__awsenv() { command @AWSENV@ "$@"; }
# __awsenv_eval CMD ARGS...: eval what awsenv prints, only when it succeeds.
__awsenv_eval() {
	local __awsenv_cmd=$1 __awsenv_out
	shift
	__awsenv_out="$(__awsenv "$__awsenv_cmd" --shell bash "$@")" || return
	eval "$__awsenv_out"
}
ec2switch() { __awsenv_eval switch "$@"; }
ec2mfa() { __awsenv_eval mfa "$@"; }
ec2role() { __awsenv_eval role "$@"; }
ec2clear() { __awsenv_eval clear "$@"; }
ec2now() { __awsenv now "$@"; }
__awsenv_complete_accounts() {
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$(__awsenv list --names 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -F __awsenv_complete_accounts ec2switch
