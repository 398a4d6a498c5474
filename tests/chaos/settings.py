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
    kill_every_s: tuple[float, float] = (8.0, 15.0)
    max_kills: int = 1_000
    leader_kill_share: float = 0.3
    restart_after_s: tuple[float, float] = (0.5, 3.0)
    sigterm_at: float = 0.25  # fraction of tasks finished when one agent gets a SIGTERM
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
            "READ_QUOTA_PER_MINUTE": "60",
            "WRITE_QUOTA_PER_MINUTE": "60",
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
        """The issue's scenario: 5 agents x 2, 10 sources of about 100 videos, every fault."""
        return cls(seed=seed)

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
            sigterm_at=0.2,
            emulator_kill_at=0.4,
            chaos_until=0.7,
            timeout_s=360.0,  # about 140 s here; room for a slower CI machine
            settled_requeue=False,
        )
        settings.agent_env.update({"HEARTBEAT_SECONDS": "2", "LEASE_SECONDS": "20"})
        settings.agent_env.update({"LEADER_LEASE_SECONDS": "8", "CHAOS_BROKEN_EVERY": "40"})
        return settings

    @property
    def catalog(self) -> ChaosCatalog:
        """The sources this run serves."""
        return ChaosCatalog(self.seed, self.sources, self.videos, self.late)
