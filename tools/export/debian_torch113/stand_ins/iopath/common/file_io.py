"""Stand-in for iopath (not in Debian): SAM2 only opens local files through g_pathmgr."""


class _LocalPathManager:
    def open(self, path, mode="r", **kwargs):
        return open(path, mode, **kwargs)


g_pathmgr = _LocalPathManager()
