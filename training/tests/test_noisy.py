"""The noise model, the classical estimators and the observation encoder for noisy routes."""
import numpy as np
import pytest
import torch

from narsolve_train.noisy_routes_data import ESTIMATES, MAX_OBSERVATIONS, estimate, observe, sample_noisy_graph
from narsolve_train.noisy_routes_evaluate import dijkstra, path_arcs
from narsolve_train.observation_encoder import ObservationEncoder
from narsolve_train.noisy_routes_train import noisy_batch, route_loss, load_processor


@pytest.mark.parametrize("family", ["grid", "geometric", "holes"])
def test_noisy_graphs_are_connected_road_networks_with_at_least_one_finite_observation_per_arc(family):
    rng = np.random.default_rng(1)
    for _ in range(10):
        g = sample_noisy_graph(family, 50, rng)
        assert (g.true_cost > 0).all()
        finite = np.isfinite(g.observations)
        assert finite[:, 0].all() and finite.sum(axis=1).min() >= 1 and finite.sum(axis=1).max() <= MAX_OBSERVATIONS
        assert (g.observations[finite] > 0).all()
        dist, _ = dijkstra(g.n, g.tails, g.heads, g.true_cost, g.source)
        assert np.isfinite(dist).all(), "every node is reachable: the largest component is kept"


def test_outliers_only_push_upward_and_heavy_noise_is_heavier():
    rng = np.random.default_rng(2)
    cost = np.full(20000, 10.0)
    normal = observe(cost, rng)
    heavy = observe(cost, np.random.default_rng(3), noise="heavy")
    ratio = lambda o: np.log(o[np.isfinite(o)] / 10.0)
    assert np.percentile(ratio(normal), 99) > abs(np.percentile(ratio(normal), 1))
    assert np.std(ratio(heavy)) > np.std(ratio(normal))


def test_the_classical_estimates_agree_on_clean_observations_and_the_robust_ones_resist_an_outlier():
    obs = np.full((3, MAX_OBSERVATIONS), np.nan)
    obs[:, :5] = [[10, 10, 10, 10, 10], [9, 10, 11, 10, 10], [10, 10, 10, 10, 1000]]
    for kind in ESTIMATES:
        assert estimate(obs[:1], kind)[0] == pytest.approx(10)
    assert estimate(obs[2:], "mean")[0] > 200
    for kind in ("median", "trimmed"):
        assert estimate(obs[2:], kind)[0] == pytest.approx(10, rel=1e-6)
    # Huber's influence is bounded, not zero: the outlier moves it by a few percent, not 20-fold.
    assert estimate(obs[2:], "huber")[0] == pytest.approx(10, rel=0.05)


def test_the_encoder_ignores_the_order_of_observations_and_the_processor_path_trains():
    rng = np.random.default_rng(4)
    g = sample_noisy_graph("grid", 30, rng)
    encoder = ObservationEncoder(16, 2, 10)
    batch = noisy_batch([g])
    shuffled = g.observations.copy()
    for row in shuffled:
        rng.shuffle(row)
    g2 = type(g)(**{**g.__dict__, "observations": shuffled})
    with torch.no_grad():
        a = encoder(**batch.enc)
        b = encoder(**noisy_batch([g2]).enc)
    assert torch.allclose(a, b, atol=1e-5)
    # One extra observation changes the estimate: the encoder counts.
    more = g.observations.copy()
    more[0, np.argmax(~np.isfinite(more[0]))] = more[0, 0] * 3 if (~np.isfinite(more[0])).any() else more[0, 0]
    with torch.no_grad():
        c = encoder(**noisy_batch([type(g)(**{**g.__dict__, "observations": more})]).enc)
    assert not torch.allclose(a[0], c[0])
    processor = load_processor()
    encoder = ObservationEncoder(processor.hidden, 2, 10)
    loss, acc = route_loss(processor, encoder(**batch.enc), batch)
    loss.backward()
    assert all(p.grad is not None for p in encoder.parameters())
    assert 0 <= acc <= 1


def test_path_arcs_refuses_a_broken_walk():
    tails = np.array([0, 1, 2])
    assert path_arcs(np.array([-1, 0, 1]), tails, 0, 2, 3) == [0, 1]
    assert path_arcs(np.array([-1, 2, 1]), tails, 0, 2, 3) is None


def test_low_noise_has_no_outliers_and_a_spread_of_at_most_five_percent():
    low = observe(np.full(20000, 10.0), np.random.default_rng(4), noise="low")
    ratio = np.log(low[np.isfinite(low)] / 10.0)
    assert np.std(ratio) <= 0.05
    assert np.max(np.abs(ratio)) < 0.3


def test_the_encoder_never_decodes_outside_an_arcs_own_observations_whatever_its_weights():
    torch.manual_seed(0)
    encoder = ObservationEncoder(8, 2, 10.0)
    with torch.no_grad():
        for p in encoder.parameters():
            p.mul_(50.0)   # wild weights: the head's correction is huge
        g = sample_noisy_graph("grid", 30, np.random.default_rng(5))
        batch = noisy_batch([g]).enc
        out = encoder(**batch)
    mask = batch["obs_mask"] > 0
    lo = torch.where(mask, batch["log_obs"], torch.full_like(batch["log_obs"], 1e4)).min(dim=1).values
    hi = torch.where(mask, batch["log_obs"], torch.full_like(batch["log_obs"], -1e4)).max(dim=1).values
    assert torch.all(out >= lo) and torch.all(out <= hi)


def test_zone_and_tier_provisioning_give_neighbouring_links_one_base_capacity():
    from narsolve_train.noisy_capacities_data import sample_noisy_network
    for pattern in ("zone", "tiers"):
        g = sample_noisy_network("grid", 64, np.random.default_rng(6), pattern=pattern)
        # Links leaving one node share its base: their capacities differ only by the small per-link factor.
        for u in range(g.n):
            caps = g.true_capacity[g.tails == u]
            if len(caps) > 1:
                assert caps.max() / caps.min() < np.exp(0.1 * 8)


def test_training_on_aarhus_refuses_validation_and_held_out_days():
    from narsolve_train import aarhus
    if not (aarhus.DEFAULT_DIR / "network.json").exists():
        pytest.skip("no Aarhus data at ../shared/data/aarhus-traffic")
    days = aarhus.AarhusDays()
    g = days.graph(aarhus.FIRST_VALIDATION_DAY - 1, 0, 3)
    assert np.isfinite(g.observations).any(axis=1).all() and np.all(g.true_cost > 0)
    with pytest.raises(ValueError):
        days.graph(aarhus.FIRST_VALIDATION_DAY, 0, 3)


def test_the_cut_gap_is_zero_on_true_capacities_and_positive_where_the_decoded_cut_is_another():
    from narsolve_train.noisy_capacities import cut_gap, cut_links, cut_sides
    from narsolve_train.noisy_capacities_data import min_cut, sample_noisy_network
    g = sample_noisy_network("two_community", 32, np.random.default_rng(3))
    truth = torch.from_numpy(np.log(g.true_capacity)).float()
    assert float(cut_gap(list(cut_sides([g], truth)), truth)) == 0.0
    crossing = lambda side: side[g.tails] & ~side[g.heads]
    # Doubling the true cut's links makes another cut the decoded minimum: the gap is then above zero.
    true_cut = crossing(min_cut(g.n, g.tails, g.heads, g.true_capacity, g.source, g.sink))
    skewed = truth + torch.from_numpy(np.where(true_cut, np.log(2.0), 0.0)).float()
    skewed.requires_grad_(True)
    gap = cut_gap(list(cut_sides([g], skewed)), skewed)
    assert float(gap) > 0
    gap.backward()
    assert float(skewed.grad[torch.from_numpy(true_cut)].min()) >= 0 and float(skewed.grad.abs().sum()) > 0
    # The cut links are those of both cuts.
    decoded_cut = crossing(min_cut(g.n, g.tails, g.heads, np.exp(skewed.detach().double().numpy()), g.source, g.sink))
    assert np.array_equal(cut_links(list(cut_sides([g], skewed.detach()))).numpy() > 0, true_cut | decoded_cut)


def test_level_pooling_pools_agreeing_neighbours_and_leaves_a_link_of_another_level_alone():
    # A street grid whose links are all at level 0 but one, at a level far from theirs.
    g = sample_noisy_graph("grid", 12, np.random.default_rng(7))
    batch = noisy_batch([g]).enc
    encoder = ObservationEncoder(8, 2, 10.0, level_pooling=1)
    tails, heads = batch["tails"], batch["heads"]
    level = torch.zeros(len(tails))
    odd = torch.zeros(len(tails), dtype=torch.bool)
    odd[0] = True
    level[odd] = 10.0   # far beyond any bandwidth
    count = torch.full((len(tails),), 3.0)
    with torch.no_grad():
        feats = encoder._pooled_levels(level, count, batch["tail_arcs"], batch["tail_mask"], batch["head_arcs"], batch["head_mask"], tails, heads)
    shift, agree = feats[:, 0], feats[:, 1]
    # The odd link pools only with itself (it is its own neighbour at both ends): no shift.
    assert abs(float(shift[0])) < 1e-6
    # Links at level 0 keep level 0 whatever their neighbours: the odd one's weight vanishes.
    assert float(shift[~odd].abs().max()) < 1e-6
    # And the agreeing share says how much of a link's neighbourhood is at its level.
    touches_odd = ((tails == tails[0]) | (tails == heads[0]) | (heads == tails[0]) | (heads == heads[0])) & ~odd
    assert float(agree[touches_odd].max()) < 1.0 and float(agree[~odd & ~touches_odd].min()) > 1 - 1e-6
