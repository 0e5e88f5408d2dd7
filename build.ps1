#!/usr/bin/env pwsh
# Task runner. Run with `dotnet tool restore` once, then `dotnet pwsh build.ps1 <task>`.
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'bench', 'edit', 'samples', 'models', 'clean', 'help')]
    [string] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Extra arguments passed through to the underlying tool (for example BenchmarkDotNet filters).
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $Rest = @()
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Checked([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

$cli = 'src/EditToAudio.Cli/EditToAudio.Cli.csproj'

switch ($Task) {
    'build' { Invoke-Checked dotnet @('build', 'Engine.sln', '-c', $Configuration) }
    'test' { Invoke-Checked dotnet @('test', 'Engine.sln') }
    'bench' {
        # BenchmarkDotNet: production edit vs the literal full-SVD reference, in one run.
        Invoke-Checked dotnet (@('run', '-c', 'Release', '--project', 'bench/EditToAudio.Bench', '--') + $Rest)
    }
    'edit' {
        Invoke-Checked dotnet (@('run', '-c', $Configuration, '--project', $cli, '--', 'edit',
            '--original-tokens', 'samples/edit/original_tokens.npy', '--edited-tokens', 'samples/edit/edited_tokens.npy',
            '--remove-mask', 'samples/edit/remove_mask.npy', '--add-mask', 'samples/edit/add_mask.npy',
            '--out', 'artifacts/edit/embedding.npy', '--parts', 'artifacts/edit/parts') + $Rest)
    }
    'samples' {
        # Regenerates the bundled sample arrays with NumPy (Debian: python3-numpy).
        Invoke-Checked python3 @('scripts/make_sample_arrays.py', 'samples/edit')
    }
    'models' { Invoke-Checked dotnet @('run', '-c', $Configuration, '--project', $cli, '--', 'models', 'generate', 'models/synthetic') }
    'clean' { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue artifacts, demo-output }
    'help' { Get-Help $PSCommandPath -Detailed }
}
