# awsenv for fish: add   awsenv init fish | source   to ~/.config/fish/config.fish
function __awsenv
    command @AWSENV@ $argv
end
# __awsenv_eval CMD ARGS...: source what awsenv prints, only when it
# succeeds, and never a help run (that goes to the terminal as it is).
function __awsenv_eval
    for a in $argv[2..-1]
        switch $a
            case --
                break
            case -h --help
                __awsenv $argv
                return
        end
    end
    set -lx AWSENV_SHELL_PID $fish_pid
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
set -gx AWSENV_WRAPPERS fish

# Completion: accounts, profiles, roles, subcommands and flags, from awsenv.
function __awsenv_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    # "WORD<TAB>DESCRIPTION" lines: fish shows the description beside the word.
    __awsenv __complete --describe (string replace -r '.*/' '' -- $tokens[1]) $tokens[2..-1] "$cur" 2>/dev/null
end
for c in ec2switch ec2mfa ec2role ec2now awsenv
    complete -c $c -f -a '(__awsenv_complete)'
end

# The prompt segment, from the environment: in fish_prompt, awsenv_prompt
# (it runs date once; fish has no clock of its own).
function awsenv_prompt --description 'the AWS account and time left, for a prompt'
    set -q AWS_ACCESS_KEY_ID; or return 0
    set -l label $MY_AWS_SET_FOR
    test -n "$label"; or set label $AWSENV_ACCOUNT
    test -n "$label"; or set label '?'
    set -l e $AWS_CREDENTIAL_EXPIRATION
    test -n "$e"; or set e $AWS_SESSION_EXPIRATION
    if string match -qr '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$' -- $e
        set -l left (math (date -u -d $e +%s 2>/dev/null; or echo 0) - (date +%s))
        if test $left -le 0
            set label "$label expired"
        else if test $left -lt 60
            set label "$label "$left"s"
        else if test $left -lt 3600
            set label "$label "(math -s0 $left / 60)"m"
        else
            set label "$label "(math -s0 $left / 3600)"h"(printf '%02d' (math -s0 $left % 3600 / 60))"m"
        end
    end
    echo $label
end
