"""Comparing answer times, shared by the in-process and the real-server timing tests."""

import statistics


def assert_indistinguishable(times):
    """New and confirmed addresses, timed in alternating pairs, answer alike.

    In each pair the new address is the slower one in 10-90 % of pairs (the leak
    made it 30 of 30; a loaded machine's bursts of delay hit neighbouring pairs
    alike, so a fair 30 pairs can still land at 5), and the lower quartiles differ by at most max(1 ms, a
    quarter of the larger). Quartiles and pairs, not means, because other work
    on a shared machine adds bursts of delay to either side; the leak this
    fixed (new 4.8 ms against confirmed 2.1 ms in process) fails both checks.
    """
    new, known = times["new"], times["confirmed"]
    slower = sum(a > b for a, b in zip(new, known, strict=True))
    quartiles = statistics.quantiles(new, n=4)[0], statistics.quantiles(known, n=4)[0]
    summary = (
        f"{len(new)} pairs: new median {statistics.median(new):.2f} ms ({min(new):.2f}-{max(new):.2f}), "
        f"confirmed {statistics.median(known):.2f} ms ({min(known):.2f}-{max(known):.2f}); "
        f"lower quartiles {quartiles[0]:.2f} / {quartiles[1]:.2f} ms; new slower in {slower}"
    )
    print(summary)
    assert 0.1 <= slower / len(new) <= 0.9, summary
    assert abs(quartiles[0] - quartiles[1]) <= max(1.0, max(quartiles) / 4), summary
    assert min(new) <= max(known) and min(known) <= max(new), summary
