# awsenv for fish: add   awsenv init fish | source   to ~/.config/fish/config.fish
function __awsenv
    command @AWSENV@ $argv
end
# __awsenv_eval CMD ARGS...: source what awsenv prints, only when it succeeds.
function __awsenv_eval
    set -l out (__awsenv $argv[1] --shell fish $argv[2..-1])
    or return
    printf '%s\n' $out | source
end
function ec2switch --description 'switch this shell to an AWS account'
    __awsenv_eval switch $argv
end
function ec2mfa --description 'start or reuse an MFA session for the current AWS account'
    __awsenv_eval mfa $argv
end
function ec2role --description 'assume a role of the current AWS account'
    __awsenv_eval role $argv
end
function ec2clear --description 'remove the AWS keys from this shell'
    __awsenv_eval clear $argv
end
function ec2now --description 'tell which AWS account this shell is set for'
    __awsenv now $argv
end
complete -c ec2switch -f -a '(__awsenv list --names 2>/dev/null)'
