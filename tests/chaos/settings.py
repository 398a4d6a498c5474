"""The size and the violence of one chaos run: :class:`ChaosSettings` (full and reduced)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.chaos.catalog import ChaosCatalog


@dataclass
class ChaosSettings:
    """The size and the violence of one run."""

    seed: int = 7
    agents: int = 5
    sources: int = 10
    videos: int = 100
    late: int = 2
    fault_rate: float = 0.02
    quota: bool = True
    #: Google's quotas (60 per user and 300 per project a minute, reads and writes apart)
    #: times this factor, so that the run fits its time; the whole fleet signs in with ONE
    #: account (``fleet_token``) and shares that account's budget, as the README's setup does.
    quota_scale: int = 4
    fleet_token: str = "chaos-fleet"
    #: Long downloads: every ``long_every``-th URL runs ``long_s`` (> LEASE_SECONDS).
    long_every: int = 40
    long_s: float = 45.0
    #: SIGTERMs at these fractions of finished tasks, each to an agent inside a long callback
    #: when one is running (it must keep renewing, finish, and exit 0).
    sigterms_at: tuple[float, ...] = (0.25, 0.55)
    #: Workers protected by the spreadsheet's owner (the runner) from this fraction on, for
    #: ``protect_s`` seconds; the agents' account is not an editor.
    protect_at: float = 0.3
    protect_s: float = 40.0
    #: Late writes armed on the fleet's lease writes (besides the random ``late`` faults).
    armed_late: int = 3
    kill_every_s: tuple[float, float] = (8.0, 15.0)
    max_kills: int = 1_000
    leader_kill_share: float = 0.3
    restart_after_s: tuple[float, float] = (0.5, 3.0)
    emulator_kill_at: float = 0.45  # ... when the emulator is SIGKILLed and restarted
    emulator_down_s: float = 2.0
    chaos_until: float = 0.85  # ... when the kills and the person stop
    poll_s: float = 2.0
    #: Requeue only DLQ rows that settled (see person.py); False shows the requeue race.
    settled_requeue: bool = False
    #: The person also acts through the add-on's server functions (tests/js/support/api/serve.js).
    addon: bool = True
    timeout_s: float = 1_200.0
    agent_env: dict[str, str] = field(
        default_factory=lambda: {
            "CONCURRENCY": "2",
            "CLAIM_BATCH": "5",
            "HEARTBEAT_SECONDS": "3",
            "LEASE_SECONDS": "30",
            "LEADER_LEASE_SECONDS": "9",
            "POLL_SECONDS": "1",
            "MAX_ATTEMPTS": "3",
            "REQUEST_TIMEOUT_SECONDS": "5",
            "YTDLP_SLEEP_REQUESTS": "0",
            "HANDLER_SLEEP_S": "0.1",
            "HANDLER_FAIL_EVERY": "15",
            "CHAOS_BROKEN_EVERY": "80",
            # Classified failures (yt-dlp's own errors): private videos go to the DLQ at once;
            # a bot check gives the task back and cools the whole fleet down, briefly here.
            "CHAOS_UNAVAILABLE_EVERY": "60",
            "CHAOS_BOT_CHECK_EVERY": "70",
            "COOLDOWN_SECONDS": "2",
        }
    )

    @classmethod
    def full(cls, seed: int = 7) -> ChaosSettings:
        """The issue's scenario: 5 agents x 2, 10 sources of about 100 videos, every fault.

        Its leaders die every 15-26 s, often seconds after winning, and each death costs the
        source being expanded an attempt at once (the next leader takes a deposed leader's
        source over without waiting, docs/protocol.md section 8): with ``MAX_ATTEMPTS=3`` two
        sources reached Sources DLQ in the first minute, as designed for a source that kills
        its leaders. Six attempts let the run measure what it is for.
        """
        settings = cls(seed=seed)
        settings.agent_env["MAX_ATTEMPTS"] = "6"
        return settings

    @classmethod
    def reduced(cls, seed: int = 7) -> ChaosSettings:
        """A smaller run for the normal test command: 3 agents, ~230 tasks, one of each blow."""
        settings = cls(
            seed=seed,
            agents=3,
            sources=2,
            videos=80,
            late=1,
            fault_rate=0.02,
            kill_every_s=(6.0, 6.0),
            max_kills=1,
            leader_kill_share=1.0,
            quota_scale=3,
            long_every=25,
            long_s=30.0,
            sigterms_at=(0.2,),
            protect_at=0.25,
            protect_s=20.0,
            armed_late=2,
            emulator_kill_at=0.4,
            chaos_until=0.7,
            timeout_s=360.0,  # about 140 s here; room for a slower CI machine
            settled_requeue=False,
        )
        settings.agent_env.update({"HEARTBEAT_SECONDS": "2", "LEASE_SECONDS": "20"})
        settings.agent_env.update({"LEADER_LEASE_SECONDS": "8", "CHAOS_BROKEN_EVERY": "40"})
        return settings

    @property
    def account_per_minute(self) -> int:
        """The fleet account's budget a minute, per kind (the emulator's per-user quota)."""
        return 60 * self.quota_scale

    def environment(self) -> dict[str, str]:
        """The agents' settings: ``agent_env``, the shared account's budget, long downloads."""
        budget = str(self.account_per_minute)
        return {
            **self.agent_env,
            "READ_QUOTA_PER_MINUTE": budget,
            "WRITE_QUOTA_PER_MINUTE": budget,
            "SHEETS_EMULATOR_TOKEN": self.fleet_token,
            "CHAOS_LONG_EVERY": str(self.long_every),
            "CHAOS_LONG_S": str(self.long_s),
        }

    @property
    def catalog(self) -> ChaosCatalog:
        """The sources this run serves."""
        return ChaosCatalog(self.seed, self.sources, self.videos, self.late)
