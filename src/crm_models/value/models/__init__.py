"""Buy-till-you-die and spend models, one module per model over a small shared base.

One class per model, scikit-learn style (hyper-parameters in ``__init__``, ``fit`` returns
``self``, learned attributes end in ``_``), each with a frozen ``result_``
(:class:`FitResult`: ``summary(level)``, log-likelihood, standard errors):

=================  ==============================  ============================================
class              lifetimes likelihood             data (per customer)
=================  ==============================  ============================================
``BGNBD``          ``BetaGeoFitter``               frequency, recency, T (continuous time)
``MBGNBD``         ``ModifiedBetaGeoFitter``       frequency, recency, T
``ParetoNBD``      ``ParetoNBDFitter``             frequency, recency, T
``BGBB``           ``BetaGeoBetaBinomFitter``      frequency, recency, n_periods (discrete)
``GammaGamma``     ``GammaGammaFitter``            frequency > 0, monetary_value > 0
=================  ==============================  ============================================

``_base``: validation, pattern compression, optimizer call, :class:`FitResult`;
``_transaction``: the continuous-time part shared by BG/NBD, MBG/NBD and Pareto/NBD.
"""

from crm_models.value.models._base import FitResult
from crm_models.value.models.bgbb import BGBB
from crm_models.value.models.bgnbd import BGNBD
from crm_models.value.models.gamma_gamma import GammaGamma
from crm_models.value.models.mbgnbd import MBGNBD
from crm_models.value.models.paretonbd import ParetoNBD

__all__ = ["BGBB", "BGNBD", "MBGNBD", "FitResult", "GammaGamma", "ParetoNBD"]
