namespace RedProperty.Iot.Domain.Contract;

/// <summary>Either a decoded message or the reason it was refused; no exceptions for bad device input.</summary>
public readonly struct DecodeResult<T>
    where T : class
{
    private DecodeResult(T? value, Rejection rejection)
    {
        Value = value;
        Rejection = rejection;
    }

    public T? Value { get; }

    public Rejection Rejection { get; }

    public bool IsSuccess => Value is not null;

    public static DecodeResult<T> Success(T value) => new(value, default);

    public static DecodeResult<T> Failure(Rejection rejection) => new(null, rejection);

    public static implicit operator DecodeResult<T>(Rejection rejection) => Failure(rejection);
}
