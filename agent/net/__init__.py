"""Outbound fetching: which addresses may be reached, and yt-dlp sessions that enforce it.

- :mod:`agent.net.guard`: the address policy (private, loopback, link-local, metadata, ...) and
  its opt-in, ``ALLOW_PRIVATE_URLS``; pure logic.
- :mod:`agent.net.transport`: a yt-dlp request handler that checks the peer of every connection
  it opens (every redirect hop included) against that policy.
- :mod:`agent.net.ydl`: the one builder of ``YoutubeDL`` sessions, for the leader's expansion and
  for the built-in handlers alike.
"""
