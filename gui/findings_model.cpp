#include "gui/findings_model.h"

#include <QBrush>
#include <QColor>

namespace sipws::gui {

int FindingsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

const FindingRow* FindingsModel::row(int r) const {
  return r >= 0 && static_cast<std::size_t>(r) < rows_.size() ? &rows_[static_cast<std::size_t>(r)]
                                                              : nullptr;
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.parent().isValid()) return {};
  const FindingRow* f = row(index.row());
  if (f == nullptr) return {};
  if (role == MessageRole) {
    return f->message == kNoId ? QVariant() : QVariant::fromValue<qulonglong>(f->message);
  }
  if (role == CallRole) {
    return f->call == kNoId ? QVariant() : QVariant::fromValue<qulonglong>(f->call);
  }
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case kSeverity:
        return QString::fromUtf8(severity_name(f->severity).data(),
                                 static_cast<int>(severity_name(f->severity).size()));
      case kId:
        return QString::fromStdString(f->name);
      case kFrame:
        return f->frame == 0 ? QVariant() : QVariant::fromValue<qulonglong>(f->frame);
      case kMessage:
        return f->message == kNoId ? QVariant() : QVariant::fromValue<qulonglong>(f->message + 1);
      case kDetail:
        return QString::fromStdString(f->detail.empty() ? f->explanation
                                                        : f->explanation + ": " + f->detail);
      default:
        return {};
    }
  }
  if (role == Qt::ForegroundRole && index.column() == kSeverity) {
    switch (f->severity) {
      case Severity::error:
        return QBrush(QColor(0xc0, 0x1c, 0x28));
      case Severity::warning:
        return QBrush(QColor(0xb3, 0x6b, 0x00));
      case Severity::note:
        return QBrush(QColor(0x55, 0x55, 0x55));
    }
  }
  if (role == Qt::ToolTipRole) {
    return QString::fromStdString(f->name + " (" + f->rfc + ")\n" + f->explanation);
  }
  return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const names[kColumnCount] = {"Severity", "Finding", "Frame", "Message",
                                                  "Detail"};
  return section >= 0 && section < kColumnCount ? QString(names[section]) : QVariant();
}

void FindingsModel::append(const std::vector<FindingRow>& rows) {
  if (rows.empty()) return;
  const int from = static_cast<int>(rows_.size());
  beginInsertRows({}, from, from + static_cast<int>(rows.size()) - 1);
  rows_.insert(rows_.end(), rows.begin(), rows.end());
  endInsertRows();
}

void FindingsModel::replace(const std::vector<FindingRow>& rows) {
  beginResetModel();
  rows_ = rows;
  endResetModel();
}

}  // namespace sipws::gui
