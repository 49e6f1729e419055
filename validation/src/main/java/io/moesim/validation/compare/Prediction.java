package io.moesim.validation.compare;

/** A model's predicted time for one row; {@code us} is NaN when the model has nothing to say (then {@code note} says why). */
public record Prediction(double us, String model, String note) {

    public static Prediction none(String model, String why) {
        return new Prediction(Double.NaN, model, why);
    }

    public boolean present() {
        return !Double.isNaN(us);
    }
}
