r"""Classification metrics with scikit-learn's names, signatures and results, faster.

Label metrics count ``y_true``/``y_pred`` once into a confusion matrix (one ``bincount``) and read
every per-class count off it, or count multilabel indicator matrices (N, K) per column (and per
row for ``average="samples"``) (:mod:`numeric.metrics._targets`); F-values come from the generated
F-beta kernel (:mod:`numeric.metrics._fbeta`). The seeds' multiclass convention (one negative
class left out of micro/macro averaging) is ``negative_label=`` (or scikit-learn's ``labels=``).

Modules: ``_targets`` (validation + counting), ``_confusion`` (also per-label 2 x 2 matrices), ``_accuracy``, ``_prf``
(precision/recall/F-beta/support), ``_averages`` (F of macro averages, Opitz & Burst 2019),
``_report``, ``_curves`` (PR and ROC curves), ``_ranking`` (AP, ROC AUC; binary, multiclass,
multilabel), ``_score_average`` (one-vs-rest and Hand & Till one-vs-one averaging), ``_threshold``
(threshold tuning). Only NumPy is imported.
"""

from ._accuracy import accuracy_score
from ._averages import f1_of_averages, fbeta_of_averages
from ._confusion import confusion_matrix, multilabel_confusion_matrix
from ._curves import precision_recall_curve, roc_curve
from ._prf import (
    f1_score,
    fbeta_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from ._ranking import auc, average_precision_score, roc_auc_score
from ._report import classification_report
from ._targets import check_labels_cover
from ._threshold import best_threshold
from ._warnings import UndefinedMetricWarning

__all__ = [
    "UndefinedMetricWarning",
    "accuracy_score",
    "auc",
    "average_precision_score",
    "best_threshold",
    "check_labels_cover",
    "classification_report",
    "confusion_matrix",
    "f1_of_averages",
    "f1_score",
    "fbeta_of_averages",
    "fbeta_score",
    "multilabel_confusion_matrix",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
]
