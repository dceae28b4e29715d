r"""Objective: lexicographic in two stages (three with a reference plan).

1. ``unmet``: minimise weighted unmet need in FTE-years, :math:`z_1 = \sum_{b,m,t} w_m U_{b,m,t}` over the
   model years, the horizon and its tail (:mod:`gpec.models.workforce`) (weights ``unmet_weight``, 1 by
   default: every FTE-year counts the same).
2. ``cost``: minimise total spending :math:`z_2 = \sum_{\ell,f,t} P_{\ell,f,t}` subject to
   :math:`z_1 \le z_1^*`, the stage-1 incumbent, so stage 2 never worsens stage 1; it removes spending
   that buys nothing (e.g. surplus staff) and picks the cheapest of equally good plans.
3. ``change``, only when a reference plan is given: minimise the units moved from it subject to
   :math:`z_1 \le z_1^*` and :math:`z_2 \le z_2^*` (:mod:`gpec.models.stability`).

Both cost vectors are registered by the modules that own the columns (:mod:`gpec.models.workforce`,
:mod:`gpec.models.budget`); this module names the order.
"""

STAGES: tuple[str, ...] = ("unmet", "cost")
