"""Options of the RPC layer; names and groups follow oslo.messaging's."""

from oslo_config import cfg

rpc_opts = [
    cfg.StrOpt(
        "transport_url",
        default="rabbit://guest:guest@127.0.0.1:5672/",
        secret=True,
        help="Where the message bus is: rabbit://user:pass@host:port/vhost for RabbitMQ "
        "(several hosts separated by commas fail over), memory:// for one process.",
    ),
    cfg.StrOpt(
        "control_exchange",
        default="nova",
        help="The topic exchange RPC messages are published to (nova or cinder).",
    ),
    cfg.IntOpt(
        "rpc_response_timeout",
        default=60,
        min=1,
        help="Seconds an RPC call waits for its reply before raising MessagingTimeout.",
    ),
    cfg.IntOpt(
        "executor_thread_pool_size",
        default=64,
        min=1,
        help="Threads an RPC server dispatches incoming messages on.",
    ),
    cfg.IntOpt(
        "rpc_conn_pool_size",
        default=30,
        min=1,
        help="Most broker connections a process publishes on at the same time; "
        "publishers beyond that wait for a free connection.",
    ),
]

rabbit_opts = [
    cfg.IntOpt(
        "heartbeat_timeout_threshold",
        default=60,
        min=0,
        help="Seconds after which a silent RabbitMQ connection is considered dead "
        "(AMQP heartbeat); 0 disables heartbeats.",
    ),
    cfg.FloatOpt(
        "rabbit_retry_interval",
        default=1.0,
        help="Seconds to wait before the first reconnection attempt to RabbitMQ.",
    ),
    cfg.FloatOpt(
        "rabbit_retry_backoff",
        default=2.0,
        help="Seconds added to the wait after each failed reconnection attempt.",
    ),
    cfg.FloatOpt(
        "rabbit_interval_max",
        default=30.0,
        help="Longest wait in seconds between reconnection attempts.",
    ),
    cfg.IntOpt(
        "rabbit_transient_queues_ttl",
        default=1800,
        min=1,
        help="Seconds an unused reply queue lives on the broker (x-expires) after its "
        "process went away.",
    ),
    cfg.BoolOpt(
        "amqp_durable_queues",
        default=True,
        help="Declare RPC topic queues durable so queued casts survive a broker restart.",
    ),
]


def list_opts():
    return [("DEFAULT", rpc_opts), ("oslo_messaging_rabbit", rabbit_opts)]
