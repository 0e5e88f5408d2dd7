#!/usr/bin/env pwsh
# Task runner. Run with `dotnet tool restore` once, then `dotnet pwsh build.ps1 <task>`.
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'bench', 'edit', 'samples', 'models', 'gpu-bundle', 'clean', 'help')]
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
    'demo' { Invoke-Checked dotnet (@('run', '-c', $Configuration, '--project', $cli, '--', 'demo') + $Rest) }
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
    'gpu-bundle' {
        # Self-contained, trimmed CLI for a GPU host without .NET (see docs/gpu-verification.md).
        $bundle = 'artifacts/gpu-bundle'
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $bundle
        Invoke-Checked dotnet @('publish', $cli, '-c', 'Release', '-r', 'linux-x64', '--self-contained', '-p:PublishTrimmed=true',
            '-p:GpuBundle=true', '-p:DebugType=none', '-o', $bundle)
        $bytes = (Get-ChildItem -Recurse -File $bundle | Measure-Object -Property Length -Sum).Sum
        $megabytes = [math]::Round($bytes / 1MB, 1)
        if ($bytes -gt 40MB) { throw "$bundle is $megabytes MB; the GPU host accepts at most 40 MB" }
        Write-Host "$bundle`: $megabytes MB. On a GPU host: $bundle/edit2audio selftest --gpu"
    }
    'clean' { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue artifacts, demo-output }
    'help' { Get-Help $PSCommandPath -Detailed }
}
