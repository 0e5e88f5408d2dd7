using System.CommandLine;
using EditToAudio.Cli.Commands;

var root = new RootCommand("edit2audio: turns an image edit into sound (SAM2 → CLIP tokens → SVD edit → SSV2A → AudioLDM).")
{
    EditCommand.Create(),
    SelfTestCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
