using System.Runtime.InteropServices;
using EditToAudio.Cli;

// Ctrl+C and SIGTERM cancel the command's token (it stops within one diffusion step and writes nothing);
// a second signal, once cancellation is under way, ends the process as usual.
using var cancellation = new CancellationTokenSource();
void Cancel(PosixSignalContext context)
{
    if (!cancellation.IsCancellationRequested)
    {
        context.Cancel = true;
        cancellation.Cancel();
    }
}
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
