"""yt-dlp as the task handlers use it: its JS runtime and tools, its options, its parameters.

- :mod:`agent.ytdlp.runtime`: which yt-dlp, yt-dlp-ejs, JavaScript runtime and ffmpeg are here;
- :mod:`agent.ytdlp.options`: ``YTDLP_OPTIONS`` (JSON) validated into :class:`YtdlpOptions`;
- :mod:`agent.ytdlp.params`: the ``YoutubeDL`` parameters of a handler (cookies, options, runtime);
- :mod:`agent.ytdlp.media`: the ``subtitles`` and ``audio`` handlers' work.

Nothing here talks to Sheets.
"""
