"""Per-epoch telemetry: a plain hook for PyTorch-style loops and a Keras callback."""

from .client import log_training_step
from .dsdl import active_run


class TrainingLogger:
    """``logger.on_epoch_end(epoch, loss=..., val_loss=...)`` (or with a Keras-style ``logs`` dict)
    emits one ``training_step`` event. Inside a tracked ``fit`` the model name and run id default to
    that run's, so the curve belongs to the fit_run event."""

    def __init__(self, model_name=None, run_id=None, every=1):
        self.model_name = model_name
        self.run_id = run_id
        self.every = max(1, int(every))

    def _target(self):
        run = active_run() or {}
        return self.model_name or run.get("model_name") or "unnamed_model", self.run_id or run.get("run_id")

    def on_epoch_end(self, epoch, logs=None, **metrics):
        if int(epoch) % self.every:
            return None
        values = dict(logs or {}, **metrics)
        model_name, run_id = self._target()
        return log_training_step(model_name, epoch=int(epoch), run_id=run_id, **values)


def keras_callback(model_name=None, run_id=None, every=1):
    """A ``keras.callbacks.Callback`` that logs every epoch's ``logs`` (loss, val_loss, metrics)."""
    try:
        from tensorflow import keras
    except ImportError:
        import keras

    logger = TrainingLogger(model_name, run_id, every)

    class ModelOpsKerasCallback(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logger.on_epoch_end(epoch, logs)

    return ModelOpsKerasCallback()
