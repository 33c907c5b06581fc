# awsenv for PowerShell: add   Invoke-Expression (& awsenv init powershell | Out-String)   to $PROFILE
function __awsenv_eval {
    $cmd, $rest = $args
    # Never evaluate a help run: it goes to the console as it is.
    foreach ($a in $rest) {
        if ($a -eq '--') { break }
        if ($a -eq '-h' -or $a -eq '--help') { & @AWSENV@ $cmd @rest; return }
    }
    $env:AWSENV_SHELL_PID = $PID
    $out = & @AWSENV@ $cmd --shell powershell @rest
    if ($LASTEXITCODE -eq 0 -and $out) { Invoke-Expression ($out -join "`n") }
}
function ec2switch { __awsenv_eval switch @args }
function ec2mfa { __awsenv_eval mfa @args }
function ec2role { __awsenv_eval role @args }
function ec2clear { __awsenv_eval clear @args }
function ec2now { & @AWSENV@ now @args }
$env:AWSENV_WRAPPERS = 'powershell'
# Completion: accounts, profiles, roles, subcommands and flags, from awsenv.
Register-ArgumentCompleter -Native -CommandName ec2switch, ec2mfa, ec2role, ec2now, awsenv -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
    $words[0] = [System.IO.Path]::GetFileNameWithoutExtension($words[0])
    if ($wordToComplete -eq '') { $words += '' }
    & @AWSENV@ __complete @words 2>$null
}
# The prompt segment, from the environment alone: awsenv_prompt in your prompt function.
function awsenv_prompt {
    if (-not $env:AWS_ACCESS_KEY_ID) { return }
    $label = if ($env:MY_AWS_SET_FOR) { $env:MY_AWS_SET_FOR } elseif ($env:AWSENV_ACCOUNT) { $env:AWSENV_ACCOUNT } else { '?' }
    $e = if ($env:AWS_CREDENTIAL_EXPIRATION) { $env:AWS_CREDENTIAL_EXPIRATION } else { $env:AWS_SESSION_EXPIRATION }
    $t = [datetime]::MinValue
    if ($e -and [datetime]::TryParse($e, [ref]$t)) {
        $left = $t.ToUniversalTime() - [datetime]::UtcNow
        if ($left.TotalSeconds -le 0) { $label += ' expired' }
        elseif ($left.TotalHours -ge 1) { $label += ' {0}h{1:D2}m' -f [int][math]::Floor($left.TotalHours), $left.Minutes }
        else { $label += ' {0}m' -f [int][math]::Floor($left.TotalMinutes) }
    }
    $label
}
