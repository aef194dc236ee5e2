"""Frames per second of the playground's server-side frame computation.

One frame is what the page receives while playing: one epoch of training
plus the train and test losses, every hidden neuron's output and the
network's output over the 50 x 50 grid, the weights, and the JSON text
sent over the websocket. The run trains two hidden layers of 8 neurons
(tanh, SGD, batch size 10, as TensorFlow Playground's defaults) on 500
training points of the circle set (1,000 points, half held out for test),
as issue 17 asks. Each round times ``--frames`` frames; the script prints
the median frames per second over the rounds with the slowest and fastest
round, frames per second of the process's own CPU time, the machine's cores
and its load average, since other programs on a shared machine slow every
frame.

    python benchmarks/playground_fps.py                 # 7 rounds of 50 frames
    python benchmarks/playground_fps.py --rounds 3 --frames 10 --threads 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time


def circle_csv(n: int, seed: int) -> bytes:
    """``n`` circle points as a CSV file, the way a user would upload them."""
    from nnzero.playground.data import make_points

    x, y = make_points("circle", noise=0.1, seed=seed, n=n)
    rows = "\n".join(f"{float(a)!r},{float(b)!r},{int(c)}"
                     for (a, b), c in zip(x, y, strict=True))
    return f"x1,x2,label\n{rows}\n".encode()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--frames", type=int, default=50, help="frames per round")
    parser.add_argument("--points", type=int, default=500, help="training points")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (default: the library's own choice)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if min(args.rounds, args.frames, args.points, args.batch_size) < 1:
        parser.error("--rounds, --frames, --points and --batch-size must be at least 1")

    import nnzero as nz
    from nnzero.playground.session import Session

    session = Session({"layers": [8, 8], "batch_size": args.batch_size, "train_ratio": 0.5})
    session.load_upload(circle_csv(2 * args.points, seed=0))
    assert len(session.x_train) == args.points
    load_before = os.getloadavg()
    rates, cpu_rates = [], []
    context = nz.limit_threads(args.threads) if args.threads else contextlib.nullcontext()
    with context:
        json.dumps(session.tick())  # warm-up: first-call costs are not a frame's
        for _ in range(args.rounds):
            start, cpu_start = time.perf_counter(), time.process_time()
            for _ in range(args.frames):
                message = json.dumps(session.tick())
            rates.append(args.frames / (time.perf_counter() - start))
            cpu_rates.append(args.frames / max(time.process_time() - cpu_start, 1e-9))
    result = {
        "median_fps": round(statistics.median(rates), 1),
        "slowest_round_fps": round(min(rates), 1),
        "fastest_round_fps": round(max(rates), 1),
        # Frames per second of this process's own CPU time (all its threads): it
        # barely moves when other programs share the cores, unlike the wall clock.
        "median_fps_of_cpu_time": round(statistics.median(cpu_rates), 1),
        "rounds": args.rounds,
        "frames_per_round": args.frames,
        "training_points": args.points,
        "batch_size": args.batch_size,
        "epochs_trained": session.epoch,
        "frame_bytes": len(message),
        "test_loss": session.frame()["test_loss"],
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Playground frames (2 hidden layers of 8, {args.points} training points, "
              f"batch {args.batch_size}, one epoch + {16 + 1} heat maps of 50x50 per frame)")
        print(f"  median {result['median_fps']} fps over {args.rounds} rounds of "
              f"{args.frames} frames (slowest round {result['slowest_round_fps']}, "
              f"fastest {result['fastest_round_fps']})")
        print(f"  {result['median_fps_of_cpu_time']} frames per second of the process's own "
              "CPU time (what an idle core would give)")
        print(f"  frame message {result['frame_bytes']} bytes; test loss after "
              f"{session.epoch} epochs {result['test_loss']}")
        print(f"  {result['cpu_count']} cores; load average (1, 5, 15 min) before "
              f"{result['load_average_before']}, after {result['load_average_after']}")
    return result


if __name__ == "__main__":
    main()
