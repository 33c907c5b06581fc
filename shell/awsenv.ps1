# awsenv for PowerShell: add   Invoke-Expression (& awsenv init powershell | Out-String)   to $PROFILE
function __awsenv_eval {
    $cmd, $rest = $args
    $out = & @AWSENV@ $cmd --shell powershell @rest
    if ($LASTEXITCODE -eq 0 -and $out) { Invoke-Expression ($out -join "`n") }
}
function ec2switch { __awsenv_eval switch @args }
function ec2mfa { __awsenv_eval mfa @args }
function ec2role { __awsenv_eval role @args }
function ec2clear { __awsenv_eval clear @args }
function ec2now { & @AWSENV@ now @args }
Register-ArgumentCompleter -Native -CommandName ec2switch -ScriptBlock {
    param($wordToComplete)
    & @AWSENV@ list --names 2>$null | Where-Object { $_ -like "$wordToComplete*" }
}
