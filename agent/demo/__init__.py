"""What ``orc demo`` serves and starts: the whole system on one machine, offline.

- :mod:`agent.demo.catalog`: the videos and sources of the demo (pure data);
- :mod:`agent.demo.site`: a small web site on 127.0.0.1 serving them as pages of YouTube embeds
  and an RSS feed;
- :mod:`agent.demo.extractors`: the demo's YouTube channel, answered offline for yt-dlp;
- :mod:`agent.demo.handlers`: the task callback the demo agents run (sleeps, sometimes fails);
- :mod:`agent.demo.fleet`: the agent processes (``python -m agent run --burst``);
- :mod:`agent.demo.outcome`: what ended where, the API calls used, the final summary;
- :mod:`agent.demo.view`: the live view and the summary as rich renderables;
- :mod:`agent.demo.session`: one run, from starting the emulator to stopping everything.
"""
